variable "zones" {
  default = ["a", "b"]
}

resource "mock_subnet" "c" {
  network_id = "net-1"
  cidr_block = "10.0.3.0/24"
  zone       = var.zones[2]
}
