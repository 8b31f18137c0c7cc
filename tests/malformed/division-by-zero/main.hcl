variable "zones" {
  default = 0
}

locals {
  per_zone = 256 / var.zones
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "net-${local.per_zone}"
}
