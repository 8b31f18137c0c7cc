output "cluster_arn" {
  value = aws_eks_cluster.hybrid.arn
}

output "inbound_resolver_ips" {
  value = sort([for a in aws_route53_resolver_endpoint.inbound.ip_address : a.ip])
}

output "nodeadm_init" {
  description = "Run on each on-prem server to join it to the cluster."
  value       = onprem_node_pool.h100.nodeadm_command
}

output "node_config_path" {
  value = onprem_node_pool.h100.config_path
}

output "bind_zone_path" {
  value = onprem_dns_forward_zone.eks.output_path
}
