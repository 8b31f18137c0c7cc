resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" {
  network_id = mock_network.main.id
  cidr_block = "10.0.1.0/24"
}
