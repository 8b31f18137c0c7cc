variable "region" {
  type = string
}

provider "mock" {
  region = var.region
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}
