resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.id
  cidr_block = "10.1.1.0/24"
}
