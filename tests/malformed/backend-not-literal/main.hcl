variable "env" {
  default = "dev"
}

tether {
  backend "local" {
    path = "state/${var.env}.json"
  }
}
