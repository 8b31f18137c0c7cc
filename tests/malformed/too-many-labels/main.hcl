resource "mock_network" "main" "extra" {
  cidr_block = "10.0.0.0/16"
}
