variable "region" {
  default = "a"
}

variable "zone" {
  default = "z"
}

variable "region" {
  default = "b"
}
