resource "aws_ec2_transit_gateway" "hub" {
  description     = "Hybrid connectivity"
  amazon_side_asn = 64512
}

resource "aws_customer_gateway" "onprem" {
  bgp_asn    = 0
  ip_address = "203.0.113.10"
  type       = "ipsec.1"
}

resource "aws_vpn_connection" "onprem" {
  customer_gateway_id   = aws_customer_gateway.onprem.id
  transit_gateway_id    = aws_ec2_transit_gateway.hub.id
  type                  = "ipsec.1"
  tunnel1_inside_cidr   = "169.254.10.0/30"
  tunnel1_preshared_key = "Secret_key.12345"
}
