resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_ec2_transit_gateway" "hub" {
  description = "Hybrid connectivity"
}

resource "aws_route" "onprem" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "192.168.0.0/33"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id
}
