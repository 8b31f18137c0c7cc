//! `aws_nat_gateway`: outbound internet access for private subnets.
//!
//! CreateNatGateway takes a client token: the journalled idempotency token is sent, so a re-run
//! after a crash gets the same gateway back; it is also tagged at creation. Everything but the
//! tags forces a replacement. A refresh is one paginated DescribeNatGateways filtered by the
//! gateway IDs; deleted gateways stay listed for a while and count as gone.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ConnectivityType, ResourceType};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, filter, is_not_found, opt_str, read_tags, str_of, tag_spec, update_tags, wait_status, Ctx,
};
use crate::ec2::transit_gateway::tags_attrs;
use crate::resource::{read_one, AwsResource};

pub struct NatGateway;

type Nat = aws_sdk_ec2::types::NatGateway;

const TYPE: &str = "aws_nat_gateway";

#[async_trait]
impl AwsResource for NatGateway {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A NAT gateway in a subnet.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String))
                    .attr("subnet_id", Attribute::required(AttrType::String).force_new())
                    .attr(
                        "allocation_id",
                        Attribute::optional(AttrType::String)
                            .force_new()
                            .describe("the Elastic IP of a public NAT gateway"),
                    )
                    .attr(
                        "connectivity_type",
                        Attribute::optional_computed(AttrType::String)
                            .force_new()
                            .describe("\"public\" (the default) or \"private\""),
                    )
                    .attr(
                        "private_ip",
                        Attribute::optional_computed(AttrType::String).force_new().describe("assigned when unset"),
                    )
                    .attr("public_ip", Attribute::computed(AttrType::String))
                    .attr("association_id", Attribute::computed(AttrType::String))
                    .attr("network_interface_id", Attribute::computed(AttrType::String)),
            ),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let kind = str_of(config, "connectivity_type").unwrap_or("public");
        let has_eip = config.get("allocation_id").is_some_and(|v| !v.is_null());
        match kind {
            "public" if !has_eip && config.get("connectivity_type").is_none_or(|v| !v.is_unknown()) => {
                vec![Diagnostic::error("a public NAT gateway needs an Elastic IP")
                    .code("aws::nat-gateway-eip")
                    .attribute(AttrPath::attr("allocation_id"))
                    .help("set allocation_id = aws_eip.<name>.id, or connectivity_type = \"private\"")]
            }
            "private" if has_eip => vec![Diagnostic::error("a private NAT gateway takes no Elastic IP")
                .code("aws::nat-gateway-eip")
                .attribute(AttrPath::attr("allocation_id"))
                .help("remove allocation_id, or set connectivity_type = \"public\"")],
            "public" | "private" => Vec::new(),
            other => vec![Diagnostic::error(format!("connectivity_type {other:?} is not supported"))
                .code("aws::invalid-option")
                .attribute(AttrPath::attr("connectivity_type"))
                .help("use \"public\" or \"private\"")],
        }
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        let found = describe(cx, items.iter().map(|i| i.id.clone()).collect()).await?;
        Ok(found
            .iter()
            .filter(|n| !gone(n))
            .map(|n| {
                let id = n.nat_gateway_id().unwrap_or_default().to_string();
                let v = to_value(cx, n, prior.get(id.as_str()).copied());
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic> {
        let out = cx
            .clients
            .ec2
            .create_nat_gateway()
            .client_token(token)
            .subnet_id(str_of(planned, "subnet_id").unwrap_or_default())
            .set_allocation_id(str_of(planned, "allocation_id").map(Into::into))
            .set_connectivity_type(str_of(planned, "connectivity_type").map(ConnectivityType::from))
            .set_private_ip_address(str_of(planned, "private_ip").map(Into::into))
            .tag_specifications(tag_spec(ResourceType::Natgateway, creation_tags(cx, planned)))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "CreateNatGateway", e))?;
        let id = out.nat_gateway().and_then(|n| n.nat_gateway_id()).unwrap_or_default().to_string();
        wait_state(cx, &id, "available").await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        match cx.clients.ec2.delete_nat_gateway().nat_gateway_id(&id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteNatGateway", e)),
        }
        wait_state(cx, &id, "deleted").await
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "NAT gateway", id, "NatGatewayNotFound")
}

fn gone(n: &Nat) -> bool {
    matches!(n.state().map(|s| s.as_str()), Some("deleted" | "deleting"))
}

/// Waits for `state` ("deleted" also when the gateway is no longer listed); concurrent waits
/// share one DescribeNatGateways per poll. A gateway that fails reports AWS's reason.
async fn wait_state(cx: &Ctx<'_>, id: &str, state: &str) -> Result<(), Diagnostic> {
    let what = format!("NAT gateway {id} to become {state}");
    let states = |ids: Vec<String>| async move {
        let found = describe(cx, ids).await?;
        Ok(found
            .iter()
            .filter_map(|n| {
                let s = n.state()?.as_str();
                let s = match (s, n.failure_message()) {
                    ("failed", Some(m)) => format!("failed: {m}"),
                    _ => s.to_string(),
                };
                Some((n.nat_gateway_id()?.to_string(), s))
            })
            .collect())
    };
    wait_status(cx, TYPE, id, &what, Duration::from_secs(15 * 60), states, |now| match now {
        None => Ok(state == "deleted"),
        Some(s) if s.starts_with("failed") && state != "deleted" => Err(Diagnostic::error(format!(
            "NAT gateway {id} {s}"
        ))
        .code("aws::NatGatewayFailed")
        .address(cx.address)
        .help(
            "check the subnet (it needs a route to an internet gateway for a public NAT gateway) and the Elastic IP",
        )),
        Some(s) => Ok(s == state || (state == "deleted" && s.starts_with("failed"))),
    })
    .await
}

/// DescribeNatGateways for these IDs, all pages.
async fn describe(cx: &Ctx<'_>, ids: Vec<String>) -> Result<Vec<Nat>, Diagnostic> {
    let mut pages =
        cx.clients.ec2.describe_nat_gateways().filter(filter("nat-gateway-id", ids)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeNatGateways", e))?;
        out.extend(page.nat_gateways().iter().cloned());
    }
    Ok(out)
}

fn to_value(cx: &Ctx<'_>, n: &Nat, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(n.tags(), cx.default_tags, prior);
    let address = n.nat_gateway_addresses().iter().find(|a| a.is_primary() != Some(false));
    // A private NAT gateway has no allocation; unset reads back unset.
    Value::map([
        ("id", opt_str(n.nat_gateway_id())),
        ("subnet_id", opt_str(n.subnet_id())),
        ("allocation_id", opt_str(address.and_then(|a| a.allocation_id()))),
        ("connectivity_type", opt_str(n.connectivity_type().map(|c| c.as_str()).or(Some("public")))),
        ("private_ip", opt_str(address.and_then(|a| a.private_ip()))),
        ("public_ip", opt_str(address.and_then(|a| a.public_ip()))),
        ("association_id", opt_str(address.and_then(|a| a.association_id()))),
        ("network_interface_id", opt_str(address.and_then(|a| a.network_interface_id()))),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
