resource "aws_vpc" "main" {
  cidr_block = "10.0.1.5/16"
}
