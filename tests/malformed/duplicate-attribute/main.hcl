resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "a"
  cidr_block = "10.1.0.0/16"
}
