terraform {
  required_providers {
    mock = ">= 0.1"
  }
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}
