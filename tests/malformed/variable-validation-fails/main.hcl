variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/33"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR such as 10.0.0.0/16."
  }
}

resource "mock_network" "main" {
  cidr_block = var.vpc_cidr
}
