variable "v" {
  default = "0.1"
}

tether {
  required_providers {
    mock = ">= ${var.v}"
  }
}
