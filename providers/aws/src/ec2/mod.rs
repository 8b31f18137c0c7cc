//! EC2: VPC networking, transit gateways, site-to-site VPN, security groups.

pub mod vpc;

use crate::resource::{AwsDataSource, AwsResource};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(vpc::Vpc)]
}

pub fn data_sources() -> Vec<Box<dyn AwsDataSource>> {
    vec![Box::new(vpc::VpcData)]
}
