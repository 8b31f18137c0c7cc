# The network half of the EKS Hybrid Nodes reference architecture: a VPC with two private
# subnets in two AZs (the cluster, its node groups and the resolver endpoints) and two public
# ones (the NAT gateway), internet egress for the private subnets through the NAT gateway, a
# transit gateway attached to the VPC, a site-to-site VPN to the on-prem network on the
# transit gateway, and routes for the on-prem node and pod networks.

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
  # One public subnet per AZ for what faces the internet (the NAT gateway): 10.0.101.0/24, 10.0.102.0/24.
  public_subnets = {
    a = cidrsubnet(var.vpc_cidr, 8, 101)
    b = cidrsubnet(var.vpc_cidr, 8, 102)
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

resource "aws_subnet" "public" {
  for_each          = local.public_subnets
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "${var.region}${each.key}"

  tags = {
    Name = "hybrid-eks-public-${each.key}"
  }
}

# The private subnets' routes: the on-prem networks to the transit gateway, the rest of the
# world through the NAT gateway. A route table routes only for the subnets associated with it.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = "hybrid-eks-private"
  }
}

resource "aws_route_table_association" "private" {
  for_each       = aws_subnet.private
  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private.id
}

# Internet egress: an internet gateway for the public subnets, and a NAT gateway in one of
# them for the private subnets (node groups pull images and reach AWS APIs through it).
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = "hybrid-eks"
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  tags = {
    Name = "hybrid-eks-public"
  }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.main.id
}

resource "aws_route_table_association" "public" {
  for_each       = aws_subnet.public
  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  domain = "vpc"

  tags = {
    Name = "hybrid-eks-nat"
  }
}

resource "aws_nat_gateway" "main" {
  subnet_id     = aws_subnet.public["a"].id
  allocation_id = aws_eip.nat.id

  tags = {
    Name = "hybrid-eks"
  }

  # A public NAT gateway needs the VPC's way to the internet first.
  depends_on = [aws_internet_gateway.main]
}

resource "aws_route" "private_internet" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.main.id
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
