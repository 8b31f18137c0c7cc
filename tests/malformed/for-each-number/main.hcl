resource "mock_network" "main" {
  for_each   = 3
  cidr_block = "10.0.0.0/16"
}
