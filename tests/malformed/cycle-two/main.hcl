resource "mock_network" "a" {
  cidr_block = "10.0.0.0/16"
  name       = mock_network.b.id
}

resource "mock_network" "b" {
  cidr_block = "10.1.0.0/16"
  name       = mock_network.a.id
}
