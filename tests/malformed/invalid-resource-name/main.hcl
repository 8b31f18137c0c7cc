resource "mock_network" "1st network" {
  cidr_block = "10.0.0.0/16"
}
