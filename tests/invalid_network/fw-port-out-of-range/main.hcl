resource "aws_security_group" "nodes" {
  name = "nodes"

  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 70000
    cidr_blocks = ["10.0.0.0/16"]
  }
}
