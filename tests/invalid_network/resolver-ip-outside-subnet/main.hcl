resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "ap-northeast-2a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "ap-northeast-2b"
}

resource "aws_security_group" "dns" {
  name   = "resolver"
  vpc_id = aws_vpc.main.id

  ingress {
    protocol    = "tcp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = ["192.168.0.0/16"]
  }

  ingress {
    protocol    = "udp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = ["192.168.0.0/16"]
  }
}

resource "aws_route53_resolver_endpoint" "inbound" {
  name               = "inbound"
  direction          = "INBOUND"
  security_group_ids = [aws_security_group.dns.id]

  ip_address {
    subnet_id = aws_subnet.a.id
    ip        = "10.0.1.100"
  }

  ip_address {
    subnet_id = aws_subnet.b.id
    ip        = "10.0.3.100"
  }
}
