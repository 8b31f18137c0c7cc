variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

resource "aws_subnet" "private" {
  for_each   = { a = "10.0.1.0/24", b = "10.0.1.128/25" }
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}
