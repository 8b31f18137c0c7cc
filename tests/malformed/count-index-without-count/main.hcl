resource "mock_network" "main" {
  cidr_block = cidrsubnet("10.0.0.0/8", 8, count.index)
}
