//! `aws_eip`: an Elastic IP address in the VPC domain (for a NAT gateway).
//!
//! AllocateAddress takes no token but tags at allocation, so a re-run after a crash adopts the
//! address a crashed run allocated. Only tags change in place. A refresh is one
//! DescribeAddresses filtered by the allocation IDs (the call has no pages).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, ResourceType};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, ec2_owned_by_us, filter, is_not_found, opt_str, owned_filter, read_tags, report_adopted,
    str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::ec2::transit_gateway::{region, tags_attrs};
use crate::resource::{read_one, AwsResource};

pub struct Eip;

type Address = aws_sdk_ec2::types::Address;

#[async_trait]
impl AwsResource for Eip {
    fn type_name(&self) -> &'static str {
        "aws_eip"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An Elastic IP address.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String).describe("the allocation ID"))
                    .attr("allocation_id", Attribute::computed(AttrType::String))
                    .attr(
                        "domain",
                        Attribute::optional_computed(AttrType::String).force_new().describe("\"vpc\" (the default)"),
                    )
                    .attr(
                        "network_border_group",
                        Attribute::optional_computed(AttrType::String)
                            .force_new()
                            .describe("where the address is advertised; the region by default"),
                    )
                    .attr("public_ip", Attribute::computed(AttrType::String))
                    .attr("public_ipv4_pool", Attribute::computed(AttrType::String))
                    .attr("association_id", Attribute::computed(AttrType::String))
                    .attr("network_interface", Attribute::computed(AttrType::String))
                    .attr("private_ip", Attribute::computed(AttrType::String)),
            ),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        match str_of(config, "domain") {
            Some(d) if d != "vpc" => vec![Diagnostic::error(format!("domain {d:?} is not supported"))
                .code("aws::eip-domain")
                .attribute(AttrPath::attr("domain"))
                .help("use \"vpc\" (EC2-Classic addresses no longer exist)")],
            _ => Vec::new(),
        }
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        let found = describe(cx, vec![filter("allocation-id", items.iter().map(|i| i.id.clone()))]).await?;
        Ok(found
            .iter()
            .map(|a| {
                let id = a.allocation_id().unwrap_or_default().to_string();
                let v = to_value(cx, a, prior.get(id.as_str()).copied());
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let id = match existing.iter().find(|a| ec2_owned_by_us(cx, a.tags())).and_then(|a| a.allocation_id()) {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let out = cx
                    .clients
                    .ec2
                    .allocate_address()
                    .domain(DomainType::Vpc)
                    .set_network_border_group(str_of(planned, "network_border_group").map(Into::into))
                    .tag_specifications(tag_spec(ResourceType::ElasticIp, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "AllocateAddress", e))?;
                out.allocation_id().unwrap_or_default().to_string()
            }
        };
        wait_for(cx, &format!("Elastic IP {id}"), Duration::from_secs(300), || read_one(self, cx, &id, planned)).await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned)
            .await?
            .ok_or_else(|| crate::common::vanished(cx, "Elastic IP", &id, "InvalidAllocationID.NotFound"))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        // A NAT gateway being deleted holds its address for a moment: retry while it is in use.
        wait_for(cx, &format!("Elastic IP {id} to be released"), Duration::from_secs(600), || async {
            match cx.clients.ec2.release_address().allocation_id(&id).send().await {
                Ok(_) => Ok(Some(())),
                Err(e) if is_not_found(&e) => Ok(Some(())),
                Err(e) => {
                    let d = aws_error(cx.address, "ReleaseAddress", e);
                    match d.code.as_deref() {
                        Some("aws::InvalidIPAddress.InUse" | "aws::AuthFailure") => Ok(None),
                        _ => Err(d),
                    }
                }
            }
        })
        .await
    }
}

/// DescribeAddresses with filters (one call returns every match).
async fn describe(cx: &Ctx<'_>, filters: Vec<aws_sdk_ec2::types::Filter>) -> Result<Vec<Address>, Diagnostic> {
    let out = cx
        .clients
        .ec2
        .describe_addresses()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "DescribeAddresses", e))?;
    Ok(out.addresses().to_vec())
}

fn to_value(cx: &Ctx<'_>, a: &Address, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(a.tags(), cx.default_tags, prior);
    let id = a.allocation_id().unwrap_or_default();
    let border = a.network_border_group().map(str::to_string).unwrap_or_else(|| region(cx));
    Value::map([
        ("id", Value::from(id)),
        ("allocation_id", Value::from(id)),
        ("domain", opt_str(a.domain().map(|d| d.as_str()).or(Some("vpc")))),
        ("network_border_group", Value::from(border)),
        ("public_ip", opt_str(a.public_ip())),
        ("public_ipv4_pool", opt_str(a.public_ipv4_pool())),
        ("association_id", opt_str(a.association_id())),
        ("network_interface", opt_str(a.network_interface_id())),
        ("private_ip", opt_str(a.private_ip_address())),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
