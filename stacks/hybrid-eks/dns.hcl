# Two-way DNS between the VPC and on-prem:
#   on-prem -> AWS: BIND forwards eks.amazonaws.com to the inbound endpoint (10.0.1.100, 10.0.2.100)
#   AWS -> on-prem: a FORWARD rule sends company.local to the on-prem DNS servers

locals {
  # The inbound endpoint's fixed IPs: host .100 of each private subnet.
  inbound_ips = { for az, cidr in local.subnets : az => cidrhost(cidr, 100) }
  # The outbound endpoint's: host .10.
  outbound_ips = { for az, cidr in local.subnets : az => cidrhost(cidr, 10) }
}

resource "aws_security_group" "resolver" {
  name        = "resolver-endpoints"
  description = "Route 53 Resolver endpoints: DNS from and to on-prem"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "DNS queries from on-prem (TCP)"
    protocol    = "tcp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = [var.onprem_node_cidr, var.vpc_cidr]
  }

  ingress {
    description = "DNS queries from on-prem (UDP)"
    protocol    = "udp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = [var.onprem_node_cidr, var.vpc_cidr]
  }

  egress {
    description = "DNS to the on-prem servers (TCP)"
    protocol    = "tcp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = [for ip in var.onprem_dns_servers : "${ip}/32"]
  }

  egress {
    description = "DNS to the on-prem servers (UDP)"
    protocol    = "udp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = [for ip in var.onprem_dns_servers : "${ip}/32"]
  }

  tags = {
    Name = "resolver-endpoints"
  }
}

resource "aws_route53_resolver_endpoint" "inbound" {
  name               = "onprem-to-aws"
  direction          = "INBOUND"
  security_group_ids = [aws_security_group.resolver.id]

  ip_address {
    subnet_id = aws_subnet.private["a"].id
    ip        = local.inbound_ips.a
  }

  ip_address {
    subnet_id = aws_subnet.private["b"].id
    ip        = local.inbound_ips.b
  }

  tags = {
    Name = "onprem-to-aws"
  }
}

resource "aws_route53_resolver_endpoint" "outbound" {
  name               = "aws-to-onprem"
  direction          = "OUTBOUND"
  security_group_ids = [aws_security_group.resolver.id]

  ip_address {
    subnet_id = aws_subnet.private["a"].id
    ip        = local.outbound_ips.a
  }

  ip_address {
    subnet_id = aws_subnet.private["b"].id
    ip        = local.outbound_ips.b
  }

  tags = {
    Name = "aws-to-onprem"
  }
}

resource "aws_route53_resolver_rule" "company" {
  name                 = "company-local"
  domain_name          = "company.local"
  rule_type            = "FORWARD"
  resolver_endpoint_id = aws_route53_resolver_endpoint.outbound.id

  dynamic "target_ip" {
    for_each = var.onprem_dns_servers
    content {
      ip   = target_ip.value
      port = 53
    }
  }

  tags = {
    Name = "company-local"
  }
}

resource "aws_route53_resolver_rule_association" "company" {
  name             = "company-local-main"
  resolver_rule_id = aws_route53_resolver_rule.company.id
  vpc_id           = aws_vpc.main.id
}

# The on-prem half: BIND forwards the EKS names to the inbound endpoint.
resource "onprem_dns_forward_zone" "eks" {
  zone_name   = "eks.amazonaws.com"
  forwarders  = sort([for a in aws_route53_resolver_endpoint.inbound.ip_address : a.ip])
  output_path = "${path.module}/rendered/eks.amazonaws.com.zone"
}
