resource "mock_network" "main" {
  cidr_block = null
}
