resource "mock_network" "main" {
  name = "main"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.id
}
