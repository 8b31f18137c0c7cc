provider "mock" {
  alias  = "east"
  region = "us-east-1"
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  provider   = mock.west
}
