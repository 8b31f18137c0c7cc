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

# The customer side of the VPN: strongSwan's swanctl.conf for the on-prem device, from the
# connection's tunnel addresses and keys (the file is written 0600; the keys never show in a
# plan).
resource "onprem_strongswan_vpn" "onprem" {
  output_path   = "${path.module}/rendered/swanctl.conf"
  local_address = var.customer_gateway_ip

  tunnel1_address            = aws_vpn_connection.onprem.tunnel1_address
  tunnel1_preshared_key      = aws_vpn_connection.onprem.tunnel1_preshared_key
  tunnel1_cgw_inside_address = aws_vpn_connection.onprem.tunnel1_cgw_inside_address
  tunnel1_vgw_inside_address = aws_vpn_connection.onprem.tunnel1_vgw_inside_address

  tunnel2_address            = aws_vpn_connection.onprem.tunnel2_address
  tunnel2_preshared_key      = aws_vpn_connection.onprem.tunnel2_preshared_key
  tunnel2_cgw_inside_address = aws_vpn_connection.onprem.tunnel2_cgw_inside_address
  tunnel2_vgw_inside_address = aws_vpn_connection.onprem.tunnel2_vgw_inside_address
}
