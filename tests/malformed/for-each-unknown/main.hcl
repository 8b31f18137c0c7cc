resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  for_each   = toset([mock_network.main.id])
  network_id = each.key
  cidr_block = "10.0.1.0/24"
}
