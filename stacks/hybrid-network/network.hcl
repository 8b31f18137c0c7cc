# The network half of the EKS Hybrid Nodes reference architecture: a VPC with two private
# subnets in two AZs, a transit gateway attached to it, a site-to-site VPN to the on-prem
# network on the transit gateway, and routes for the on-prem node and pod networks.

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      stack = var.stack_name
    }
  }
}

locals {
  # One private subnet per AZ: 10.0.1.0/24 in a, 10.0.2.0/24 in b.
  subnets = {
    a = cidrsubnet(var.vpc_cidr, 8, 1)
    b = cidrsubnet(var.vpc_cidr, 8, 2)
  }
  # Traffic for these goes to the transit gateway, and on over the VPN.
  remote_cidrs = toset([var.onprem_node_cidr, var.pod_cidr])
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "hybrid-eks"
  }
}

resource "aws_subnet" "private" {
  for_each          = local.subnets
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "${var.region}${each.key}"

  tags = {
    Name = "hybrid-eks-private-${each.key}"
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = "hybrid-eks-private"
  }
}

resource "aws_ec2_transit_gateway" "hub" {
  description                     = "Hybrid connectivity"
  amazon_side_asn                 = 64512
  auto_accept_shared_attachments  = "enable"
  default_route_table_association = "enable"
  default_route_table_propagation = "enable"
  dns_support                     = "enable"
  vpn_ecmp_support                = "enable"

  tags = {
    Name = "hybrid-hub"
  }
}

resource "aws_ec2_transit_gateway_vpc_attachment" "vpc" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.main.id
  subnet_ids         = [for s in aws_subnet.private : s.id]

  tags = {
    Name = "hybrid-eks-vpc"
  }
}

resource "aws_route" "to_remote" {
  for_each               = local.remote_cidrs
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = each.value
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id

  # The transit gateway only routes for the VPC once the attachment exists.
  depends_on = [aws_ec2_transit_gateway_vpc_attachment.vpc]
}
