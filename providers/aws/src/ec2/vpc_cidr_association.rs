//! `aws_vpc_ipv4_cidr_block_association`: a secondary IPv4 CIDR of a VPC (the reference
//! design's optional `10.1.0.0/16`).
//!
//! Associations carry no tags and the call takes no token: a re-run after a crash finds the
//! CIDR already associated with the VPC and takes that association over. Both attributes force
//! a replacement. A refresh is one paginated DescribeVpcs filtered by the association IDs.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{aws_error, canonical_cidr, filter, is_not_found, report_adopted, str_of, wait_for, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct VpcCidrAssociation;

#[async_trait]
impl AwsResource for VpcCidrAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_ipv4_cidr_block_association"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A secondary IPv4 CIDR block of a VPC.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("vpc_id", Attribute::required(AttrType::String).force_new())
                .attr(
                    "cidr_block",
                    Attribute::required(AttrType::String).force_new().describe("a /16 to /28, e.g. 10.1.0.0/16"),
                ),
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
        crate::common::check_ipv4_cidr(config, "cidr_block", 16..=28, "a VPC CIDR block", "10.1.0.0/16")
            .into_iter()
            .collect()
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        let vpcs = describe(cx, vec![filter("cidr-block-association.association-id", ids.clone())]).await?;
        let mut out = BTreeMap::new();
        for v in &vpcs {
            for a in v.cidr_block_association_set() {
                let Some(id) = a.association_id().filter(|id| ids.iter().any(|i| i == id)) else { continue };
                if !live(a) {
                    continue;
                }
                out.insert(
                    id.to_string(),
                    Value::map([
                        ("id", Value::from(id)),
                        ("vpc_id", crate::common::opt_str(v.vpc_id())),
                        ("cidr_block", crate::common::opt_str(a.cidr_block())),
                    ]),
                );
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let vpc = str_of(planned, "vpc_id").unwrap_or_default();
        let cidr = str_of(planned, "cidr_block").unwrap_or_default();
        let existing = describe(cx, vec![filter("vpc-id", [vpc])]).await?;
        let found = existing
            .iter()
            .flat_map(|v| v.cidr_block_association_set())
            .find(|a| live(a) && a.cidr_block() == Some(cidr))
            .and_then(|a| a.association_id());
        let id = match found {
            Some(id) => {
                report_adopted(cx, &format!("{id} ({cidr} on {vpc})"));
                id.to_string()
            }
            None => {
                let out = cx
                    .clients
                    .ec2
                    .associate_vpc_cidr_block()
                    .vpc_id(vpc)
                    .cidr_block(cidr)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "AssociateVpcCidrBlock", e))?;
                out.cidr_block_association().and_then(|a| a.association_id()).unwrap_or_default().to_string()
            }
        };
        wait_for(cx, &format!("{cidr} to be associated with {vpc}"), Duration::from_secs(600), || async {
            read_one(self, cx, &id, planned).await
        })
        .await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        // Both attributes force a replacement: there is nothing to change in place.
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        read_one(self, cx, &id, planned).await?.ok_or_else(|| {
            crate::common::vanished(cx, "VPC CIDR association", &id, "InvalidVpcCidrBlockAssociationID.NotFound")
        })
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        match cx.clients.ec2.disassociate_vpc_cidr_block().association_id(&id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DisassociateVpcCidrBlock", e)),
        }
        wait_for(cx, &format!("{id} to be disassociated"), Duration::from_secs(600), || async {
            Ok(read_one(self, cx, &id, prior).await?.is_none().then_some(()))
        })
        .await
    }
}

fn live(a: &aws_sdk_ec2::types::VpcCidrBlockAssociation) -> bool {
    !matches!(
        a.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str()),
        Some("disassociating" | "disassociated" | "failing" | "failed")
    )
}

/// DescribeVpcs with filters, all pages.
async fn describe(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::Vpc>, Diagnostic> {
    let mut pages = cx.clients.ec2.describe_vpcs().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeVpcs", e))?;
        out.extend(page.vpcs().iter().cloned());
    }
    Ok(out)
}
