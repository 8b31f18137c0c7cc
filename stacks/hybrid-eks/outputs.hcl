output "cluster_arn" {
  value = aws_eks_cluster.hybrid.arn
}

output "inbound_resolver_ips" {
  value = sort([for a in aws_route53_resolver_endpoint.inbound.ip_address : a.ip])
}

output "nodeadm_init" {
  description = "The last step of joining an on-prem server to the cluster."
  value       = onprem_node_pool.h100.nodeadm_command
}

output "node_join_commands" {
  description = "Run on each on-prem server, in order, to join it: registry configuration, nodeadm install, nodeadm init."
  value       = onprem_node_pool.h100.join_commands
}

output "node_config_path" {
  value = onprem_node_pool.h100.config_path
}

output "bind_zone_path" {
  value = onprem_dns_forward_zone.eks.output_path
}
