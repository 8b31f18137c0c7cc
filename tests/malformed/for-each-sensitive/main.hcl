variable "zones" {
  type      = set(string)
  default   = ["a", "b"]
  sensitive = true
}

resource "mock_subnet" "a" {
  for_each   = var.zones
  network_id = "net-1"
  cidr_block = "10.0.1.0/24"
  zone       = each.key
}
