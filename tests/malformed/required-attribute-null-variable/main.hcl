variable "cidr" {
  type    = string
  default = null
}

resource "mock_network" "main" {
  cidr_block = var.cidr
  name       = "hybrid"
}
