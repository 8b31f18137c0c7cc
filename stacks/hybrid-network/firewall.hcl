# The security group of the EKS cluster side, with the traffic hybrid nodes need
# (DOMAIN.md): the whole remote node and pod networks are registered, not node IPs.

resource "aws_security_group" "hybrid_nodes" {
  name        = "hybrid-nodes"
  description = "EKS hybrid nodes: control plane <-> on-prem nodes and pods"
  vpc_id      = aws_vpc.main.id

  tags = {
    Name = "hybrid-nodes"
  }
}

locals {
  base_ingress = {
    api_from_nodes = { port = 443, protocol = "tcp", cidr = var.onprem_node_cidr, why = "API server from hybrid nodes" }
    api_from_pods  = { port = 443, protocol = "tcp", cidr = var.pod_cidr, why = "API server from pods (webhooks, operators)" }
    dns_tcp_pods   = { port = 53, protocol = "tcp", cidr = var.pod_cidr, why = "DNS from pods" }
    dns_udp_pods   = { port = 53, protocol = "udp", cidr = var.pod_cidr, why = "DNS from pods" }
  }
  calico_ingress = {
    calico_bgp   = { port = 179, protocol = "tcp", cidr = var.onprem_node_cidr, why = "Calico BGP" }
    calico_felix = { port = 9099, protocol = "tcp", cidr = var.onprem_node_cidr, why = "Calico Felix metrics" }
  }
  istio_ingress = {
    istio_envoy_out = { port = 15001, protocol = "tcp", cidr = var.pod_cidr, why = "Istio Envoy outbound" }
    istio_envoy_in  = { port = 15006, protocol = "tcp", cidr = var.pod_cidr, why = "Istio Envoy inbound" }
    istio_xds       = { port = 15010, protocol = "tcp", cidr = var.pod_cidr, why = "Istio xDS" }
  }
  ingress = merge(
    local.base_ingress,
    var.enable_calico ? local.calico_ingress : {},
    var.enable_istio ? local.istio_ingress : {},
  )
  egress = {
    api_to_nodes    = { port = 443, protocol = "tcp", cidr = var.onprem_node_cidr, why = "API server to hybrid nodes" }
    kubelet         = { port = 10250, protocol = "tcp", cidr = var.onprem_node_cidr, why = "control plane to kubelet" }
    webhooks_to_pod = { port = 443, protocol = "tcp", cidr = var.pod_cidr, why = "webhooks on hybrid pods" }
    dns_tcp_pods    = { port = 53, protocol = "tcp", cidr = var.pod_cidr, why = "DNS to pods" }
    dns_udp_pods    = { port = 53, protocol = "udp", cidr = var.pod_cidr, why = "DNS to pods" }
  }
}

resource "aws_vpc_security_group_ingress_rule" "hybrid" {
  for_each          = local.ingress
  security_group_id = aws_security_group.hybrid_nodes.id
  ip_protocol       = each.value.protocol
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
  description       = each.value.why
}

resource "aws_vpc_security_group_egress_rule" "hybrid" {
  for_each          = local.egress
  security_group_id = aws_security_group.hybrid_nodes.id
  ip_protocol       = each.value.protocol
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
  description       = each.value.why
}
