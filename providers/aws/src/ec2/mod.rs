//! EC2: VPC networking (route tables and their associations, internet and NAT gateways, Elastic
//! IPs), transit gateways, site-to-site VPN, security groups.

pub mod customer_gateway;
pub mod eip;
pub mod internet_gateway;
pub mod main_route_table_association;
pub mod nat_gateway;
pub mod route;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod sg_rule;
pub mod subnet;
pub mod tgw_route;
pub mod tgw_route_table;
pub mod tgw_rt_association;
pub mod tgw_rt_propagation;
pub mod tgw_vpc_attachment;
pub mod transit_gateway;
pub mod vpc;
pub mod vpc_cidr_association;
pub mod vpn_connection;

use crate::resource::{AwsDataSource, AwsResource};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(vpc::Vpc),
        Box::new(subnet::Subnet),
        Box::new(route_table::RouteTable),
        Box::new(route::Route),
        Box::new(route_table_association::RouteTableAssociation),
        Box::new(main_route_table_association::MainRouteTableAssociation),
        Box::new(vpc_cidr_association::VpcCidrAssociation),
        Box::new(internet_gateway::InternetGateway),
        Box::new(eip::Eip),
        Box::new(nat_gateway::NatGateway),
        Box::new(transit_gateway::TransitGateway),
        Box::new(tgw_vpc_attachment::TgwVpcAttachment),
        Box::new(tgw_route_table::TgwRouteTable),
        Box::new(tgw_route::TgwRoute),
        Box::new(tgw_rt_association::TgwRtAssociation),
        Box::new(tgw_rt_propagation::TgwRtPropagation),
        Box::new(customer_gateway::CustomerGateway),
        Box::new(vpn_connection::VpnConnection),
        Box::new(security_group::SecurityGroup),
        Box::new(sg_rule::SgRule::INGRESS),
        Box::new(sg_rule::SgRule::EGRESS),
    ]
}

pub fn data_sources() -> Vec<Box<dyn AwsDataSource>> {
    vec![Box::new(vpc::VpcData), Box::new(subnet::SubnetsData)]
}
