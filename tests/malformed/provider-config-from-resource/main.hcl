provider "mock" {
  region = mock_network.main.name
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "r"
}
