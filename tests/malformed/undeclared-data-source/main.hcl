data "mock_zones" "all" {
  region = "a"
}

resource "mock_subnet" "a" {
  network_id = "net-1"
  cidr_block = "10.0.1.0/24"
  zone       = data.mock_zones.al.names[0]
}
