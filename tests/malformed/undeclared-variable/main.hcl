variable "region" {
  default = "ap-northeast-2"
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "net-${var.regoin}"
}
