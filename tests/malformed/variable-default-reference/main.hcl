variable "region" {
  default = "ap-northeast-2"
}

variable "zone" {
  default = "${var.region}a"
}
