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

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "b" {
  subnet_id      = aws_subnet.b.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route" "nodes" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "192.168.0.0/16"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id
}

resource "aws_route" "pods" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "10.244.0.0/16"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id
}

resource "aws_ec2_transit_gateway" "hub" {
  description     = "Hybrid connectivity"
  amazon_side_asn = 64512
}

resource "aws_ec2_transit_gateway_vpc_attachment" "vpc" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.main.id
  subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_customer_gateway" "onprem" {
  bgp_asn    = 65000
  ip_address = "203.0.113.10"
  type       = "ipsec.1"
}

resource "aws_vpn_connection" "onprem" {
  customer_gateway_id = aws_customer_gateway.onprem.id
  transit_gateway_id  = aws_ec2_transit_gateway.hub.id
  type                = "ipsec.1"
  static_routes_only  = true
}

resource "aws_ec2_transit_gateway_route" "nodes" {
  destination_cidr_block         = "192.168.0.0/16"
  transit_gateway_route_table_id = aws_ec2_transit_gateway.hub.association_default_route_table_id
  transit_gateway_attachment_id  = aws_vpn_connection.onprem.transit_gateway_attachment_id
}

resource "aws_ec2_transit_gateway_route" "pods" {
  destination_cidr_block         = "10.244.0.0/16"
  transit_gateway_route_table_id = aws_ec2_transit_gateway.hub.association_default_route_table_id
  transit_gateway_attachment_id  = aws_vpn_connection.onprem.transit_gateway_attachment_id
}

resource "aws_eks_cluster" "hybrid" {
  name     = "hybrid"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids              = [aws_subnet.a.id, aws_subnet.b.id]
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  kubernetes_network_config {
    service_ipv4_cidr = "10.96.0.0/16"
  }

  remote_network_config {
    remote_node_networks {
      cidrs = ["192.168.0.0/16"]
    }
    remote_pod_networks {
      cidrs = ["10.244.0.0/16"]
    }
  }

  access_config {
    authentication_mode = "API"
  }
}

resource "aws_security_group" "cluster" {
  name   = "hybrid-cluster"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "api_from_nodes" {
  security_group_id = aws_security_group.cluster.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "192.168.0.0/16"
}

resource "aws_vpc_security_group_ingress_rule" "api_from_pods" {
  security_group_id = aws_security_group.cluster.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.244.0.0/16"
}

resource "aws_vpc_security_group_ingress_rule" "dns_tcp_from_pods" {
  security_group_id = aws_security_group.cluster.id
  ip_protocol       = "tcp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = "10.244.0.0/16"
}

resource "aws_vpc_security_group_ingress_rule" "dns_udp_from_pods" {
  security_group_id = aws_security_group.cluster.id
  ip_protocol       = "udp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = "10.244.0.0/16"
}

resource "aws_vpc_security_group_egress_rule" "kubelet_to_nodes" {
  security_group_id = aws_security_group.cluster.id
  ip_protocol       = "tcp"
  from_port         = 10250
  to_port           = 10250
  cidr_ipv4         = "192.168.0.0/16"
}

