//! `aws_subnet` and `data "aws_subnets"`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, bool_of, canonical_cidr, creation_tags, filter, is_not_found, opt_bool, opt_str, owned_filter,
    read_tags, report_adopted, str_of, tag_spec, update_tags, user_tags, wait_for, Ctx,
};
use crate::resource::{read_one, AwsDataSource, AwsResource};

pub struct Subnet;

#[async_trait]
impl AwsResource for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A subnet of a VPC, in one availability zone.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("owner_id", Attribute::computed(AttrType::String))
                .attr("vpc_id", Attribute::required(AttrType::String).force_new())
                .attr("cidr_block", Attribute::required(AttrType::String).force_new())
                .attr(
                    "availability_zone",
                    Attribute::optional_computed(AttrType::String)
                        .force_new()
                        .describe("an availability zone of the provider's region; AWS picks one when unset"),
                )
                .attr("availability_zone_id", Attribute::computed(AttrType::String))
                .attr(
                    "map_public_ip_on_launch",
                    Attribute::optional_computed(AttrType::Bool)
                        .describe("give instances launched here a public IPv4 address"),
                )
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("cidr_block") {
            canonical_cidr(v)
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        out.extend(crate::common::check_ipv4_cidr(
            config,
            "cidr_block",
            16..=28,
            "a subnet's CIDR block",
            "10.0.1.0/24",
        ));
        if let Some(az) = str_of(config, "availability_zone") {
            if az_region(az).is_none() {
                out.push(
                    Diagnostic::error(format!("{az:?} is not an availability zone name"))
                        .code("aws::invalid-availability-zone")
                        .attribute(AttrPath::attr("availability_zone"))
                        .help("write the region followed by the zone letter, like ap-northeast-2a"),
                );
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        // Filtering by subnet-id (rather than passing SubnetIds) makes missing IDs simply absent.
        let subnets = describe(cx, vec![filter("subnet-id", items.iter().map(|i| i.id.clone()))]).await?;
        Ok(subnets
            .iter()
            .map(|s| {
                let id = s.subnet_id().unwrap_or_default().to_string();
                let v = to_value(cx, s, prior.get(id.as_str()).copied());
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        check_az_region(cx, planned)?;
        let ec2 = &cx.clients.ec2;
        // A run that crashed after CreateSubnet left a subnet tagged with this address: adopt it.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let (id, public_ip) = match existing.first() {
            Some(s) => {
                let id = s.subnet_id().unwrap_or_default().to_string();
                report_adopted(cx, &id);
                (id, s.map_public_ip_on_launch())
            }
            None => {
                let out = ec2
                    .create_subnet()
                    .vpc_id(str_of(planned, "vpc_id").unwrap_or_default())
                    .cidr_block(str_of(planned, "cidr_block").unwrap_or_default())
                    .set_availability_zone(str_of(planned, "availability_zone").map(Into::into))
                    .tag_specifications(tag_spec(ResourceType::Subnet, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateSubnet", e))?;
                let s = out.subnet();
                (
                    s.and_then(|s| s.subnet_id()).unwrap_or_default().to_string(),
                    s.and_then(|s| s.map_public_ip_on_launch()),
                )
            }
        };
        wait_available(cx, &id).await?;
        set_public_ip(cx, &id, public_ip.or(Some(false)), planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        set_public_ip(cx, &id, bool_of(prior, "map_public_ip_on_launch"), planned).await?;
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        // Network interfaces AWS services leave behind (Lambda, EKS, load balancers) are released
        // asynchronously: DeleteSubnet fails with DependencyViolation until they are, so retry.
        wait_for(cx, &format!("subnet {id} to be free of dependencies"), Duration::from_secs(600), || async {
            match cx.clients.ec2.delete_subnet().subnet_id(&id).send().await {
                Ok(_) => Ok(Some(())),
                Err(e) if is_not_found(&e) => Ok(Some(())),
                Err(e) if e.code() == Some("DependencyViolation") => Ok(None),
                Err(e) => Err(aws_error(cx.address, "DeleteSubnet", e)),
            }
        })
        .await
    }
}

/// The region of an availability zone name (`ap-northeast-2a` -> `ap-northeast-2`), or `None`
/// when it is not shaped like one. The region ends at the first part that starts with a digit;
/// Local and Wavelength zones (`us-west-2-lax-1a`) add parts after it.
fn az_region(az: &str) -> Option<&str> {
    let parts: Vec<&str> = az.split('-').collect();
    if parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())) {
        return None;
    }
    let i = parts.iter().position(|p| p.starts_with(|c: char| c.is_ascii_digit()))?;
    if i < 2 {
        return None;
    }
    let digits = parts[i].chars().take_while(char::is_ascii_digit).count();
    let rest = &parts[i][digits..];
    let zone_letter = rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase());
    let local_zone = rest.is_empty() && i + 1 < parts.len();
    if !(zone_letter || local_zone) {
        return None;
    }
    let region_len = parts[..i].iter().map(|p| p.len() + 1).sum::<usize>() + digits;
    Some(&az[..region_len])
}

/// The availability zone must be in the provider's region (checked before any API call).
fn check_az_region(cx: &Ctx<'_>, planned: &Value) -> Result<(), Diagnostic> {
    let (Some(az), Some(region)) = (str_of(planned, "availability_zone"), cx.clients.ec2.config().region()) else {
        return Ok(());
    };
    match az_region(az) {
        Some(r) if r == region.as_ref() => Ok(()),
        _ => Err(Diagnostic::error(format!("availability zone {az:?} is not in the provider's region {region}"))
            .code("aws::subnet-az-region")
            .address(cx.address)
            .attribute(AttrPath::attr("availability_zone"))
            .help(format!("use a zone of {region}, like {region}a, or change the provider's region"))),
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "subnet", id, "InvalidSubnetID.NotFound")
}

/// DescribeSubnets with filters, all pages.
async fn describe(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::Subnet>, Diagnostic> {
    let mut pages = cx.clients.ec2.describe_subnets().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeSubnets", e))?;
        out.extend(page.subnets().iter().cloned());
    }
    Ok(out)
}

/// ModifySubnetAttribute when the planned `map_public_ip_on_launch` differs from `current`.
async fn set_public_ip(cx: &Ctx<'_>, id: &str, current: Option<bool>, planned: &Value) -> Result<(), Diagnostic> {
    let Some(want) = bool_of(planned, "map_public_ip_on_launch").filter(|b| current != Some(*b)) else {
        return Ok(());
    };
    cx.clients
        .ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(want).build())
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "ModifySubnetAttribute", e))?;
    Ok(())
}

async fn wait_available(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    wait_for(cx, &format!("subnet {id} to become available"), Duration::from_secs(600), || async {
        let subnets = describe(cx, vec![filter("subnet-id", [id])]).await?;
        Ok(subnets.first().filter(|s| s.state().map(|s| s.as_str()) == Some("available")).map(|_| ()))
    })
    .await
}

fn to_value(cx: &Ctx<'_>, s: &aws_sdk_ec2::types::Subnet, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(s.tags(), cx.default_tags, prior);
    let id = s.subnet_id().unwrap_or_default();
    let owner = s.owner_id().unwrap_or_default();
    let arn = match s.subnet_arn() {
        Some(a) if !a.is_empty() => a.to_string(),
        _ => {
            let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
            format!("arn:aws:ec2:{region}:{owner}:subnet/{id}")
        }
    };
    Value::map([
        ("id", Value::from(id)),
        ("arn", Value::from(arn)),
        ("owner_id", Value::from(owner)),
        ("vpc_id", opt_str(s.vpc_id())),
        ("cidr_block", opt_str(s.cidr_block())),
        ("availability_zone", opt_str(s.availability_zone())),
        ("availability_zone_id", opt_str(s.availability_zone_id())),
        ("map_public_ip_on_launch", opt_bool(s.map_public_ip_on_launch())),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}

/// `data "aws_subnets"`: the IDs of the subnets matching `filter` blocks and `tags`.
pub struct SubnetsData;

#[async_trait]
impl AwsDataSource for SubnetsData {
    fn type_name(&self) -> &'static str {
        "aws_subnets"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "The IDs of the existing subnets that match filters and tags.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("ids", Attribute::computed(AttrType::list_of(AttrType::String)))
                .block(
                    "filter",
                    BlockType::set(
                        Block::new()
                            .attr(
                                "name",
                                Attribute::required(AttrType::String)
                                    .describe("a DescribeSubnets filter name, like vpc-id or availability-zone"),
                            )
                            .attr("values", Attribute::required(AttrType::list_of(AttrType::String))),
                    ),
                ),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Diagnostic> {
        let mut filters = Vec::new();
        for f in config.get("filter").and_then(Value::as_list).unwrap_or_default() {
            let Some(name) = str_of(f, "name") else { continue };
            let values: Vec<String> = f
                .get("values")
                .and_then(Value::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            filters.push(filter(name, values));
        }
        for (k, v) in user_tags(config) {
            filters.push(filter(&format!("tag:{k}"), [v]));
        }
        let subnets = describe(cx, filters).await?;
        let mut ids: Vec<String> = subnets.iter().filter_map(|s| s.subnet_id().map(str::to_string)).collect();
        ids.sort();
        let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
        Ok(Value::map([
            ("id", Value::from(region)),
            ("tags", config.get("tags").cloned().unwrap_or(Value::Null)),
            ("ids", Value::List(ids.into_iter().map(Value::from).collect())),
            ("filter", config.get("filter").cloned().unwrap_or(Value::Null)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::az_region;

    #[test]
    fn availability_zone_regions() {
        assert_eq!(az_region("ap-northeast-2a"), Some("ap-northeast-2"));
        assert_eq!(az_region("us-west-2-lax-1a"), Some("us-west-2"));
        assert_eq!(az_region("us-gov-west-1b"), Some("us-gov-west-1"));
        assert_eq!(az_region("ap-northeast-2"), None);
        assert_eq!(az_region("nowhere"), None);
    }
}
