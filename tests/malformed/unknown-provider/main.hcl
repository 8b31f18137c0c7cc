resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "gcp_network" "main" {
  cidr_block = "10.0.0.0/16"
}
