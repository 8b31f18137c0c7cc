output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_ids" {
  value = [for s in aws_subnet.private : s.id]
}

output "private_route_table_id" {
  value = aws_route_table.private.id
}

output "nat_gateway_public_ip" {
  value = aws_nat_gateway.main.public_ip
}

output "transit_gateway_id" {
  value = aws_ec2_transit_gateway.hub.id
}

output "vpn_connection_id" {
  value = aws_vpn_connection.onprem.id
}

output "hybrid_nodes_security_group_id" {
  value = aws_security_group.hybrid_nodes.id
}
