# Site-to-site VPN from the transit gateway to the on-prem VPN device.

resource "aws_customer_gateway" "onprem" {
  bgp_asn    = var.customer_gateway_asn
  ip_address = var.customer_gateway_ip
  type       = "ipsec.1"

  tags = {
    Name = "onprem-dc"
  }
}

resource "aws_vpn_connection" "onprem" {
  customer_gateway_id = aws_customer_gateway.onprem.id
  transit_gateway_id  = aws_ec2_transit_gateway.hub.id
  type                = "ipsec.1"
  tunnel1_inside_cidr = "169.254.10.0/30"

  tags = {
    Name = "onprem-dc"
  }
}

# The transit gateway sends the on-prem networks over the VPN.
resource "aws_ec2_transit_gateway_route" "to_onprem" {
  for_each                       = local.remote_cidrs
  destination_cidr_block         = each.value
  transit_gateway_route_table_id = aws_ec2_transit_gateway.hub.association_default_route_table_id
  transit_gateway_attachment_id  = aws_vpn_connection.onprem.transit_gateway_attachment_id
}
