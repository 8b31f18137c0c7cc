variable "env" {
  default = "dev"
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "net-${var.env"
}
