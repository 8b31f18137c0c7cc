//! EC2: VPC networking, transit gateways, site-to-site VPN, security groups.

pub mod checks;
pub mod customer_gateway;
pub mod route;
pub mod route_table;
pub mod security_group;
pub mod sg_rule;
pub mod subnet;
pub mod tgw_route;
pub mod tgw_route_table;
pub mod tgw_vpc_attachment;
pub mod transit_gateway;
pub mod vpc;
pub mod vpn_connection;

use crate::resource::{AwsDataSource, AwsResource};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(vpc::Vpc),
        Box::new(subnet::Subnet),
        Box::new(route_table::RouteTable),
        Box::new(route::Route),
        Box::new(transit_gateway::TransitGateway),
        Box::new(tgw_vpc_attachment::TgwVpcAttachment),
        Box::new(tgw_route_table::TgwRouteTable),
        Box::new(tgw_route::TgwRoute),
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

/// Stands in for a resource type while its file is being written, so the crate builds.
/// Every use is replaced by a real implementation before release.
#[macro_export]
macro_rules! placeholder_resource {
    ($ty:ident, $name:literal) => {
        pub struct $ty;
        #[async_trait::async_trait]
        impl $crate::resource::AwsResource for $ty {
            fn type_name(&self) -> &'static str {
                $name
            }
            fn schema(&self) -> tether_sdk::ResourceSchema {
                tether_sdk::ResourceSchema::new(
                    "placeholder",
                    tether_sdk::Block::new().attr("id", tether_sdk::Attribute::computed(tether_sdk::AttrType::String)),
                )
            }
            async fn read(
                &self,
                _cx: &$crate::common::Ctx<'_>,
                _items: &[tether_sdk::ReadItem],
            ) -> Result<std::collections::BTreeMap<String, tether_sdk::Value>, tether_sdk::Diagnostic> {
                Ok(Default::default())
            }
            async fn create(
                &self,
                _cx: &$crate::common::Ctx<'_>,
                _planned: &tether_sdk::Value,
                _token: &str,
            ) -> Result<tether_sdk::Value, tether_sdk::Diagnostic> {
                Err(tether_sdk::Diagnostic::error(concat!($name, " is being written")))
            }
            async fn update(
                &self,
                _cx: &$crate::common::Ctx<'_>,
                _prior: &tether_sdk::Value,
                _planned: &tether_sdk::Value,
            ) -> Result<tether_sdk::Value, tether_sdk::Diagnostic> {
                Err(tether_sdk::Diagnostic::error(concat!($name, " is being written")))
            }
            async fn delete(
                &self,
                _cx: &$crate::common::Ctx<'_>,
                _prior: &tether_sdk::Value,
            ) -> Result<(), tether_sdk::Diagnostic> {
                Err(tether_sdk::Diagnostic::error(concat!($name, " is being written")))
            }
        }
    };
}
