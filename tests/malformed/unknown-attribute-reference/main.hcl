resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.network_id
  cidr_block = "10.0.1.0/24"
}
