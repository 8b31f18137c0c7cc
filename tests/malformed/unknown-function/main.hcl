resource "mock_network" "main" {
  cidr_block = cidrsubnt("10.0.0.0/8", 8, 1)
}
