//! `aws_customer_gateway`: the on-premises end of a site-to-site VPN.
//!
//! Every argument but `tags` forces a new gateway (EC2 has no ModifyCustomerGateway).
//! DescribeCustomerGateways takes no page token: one call returns every match.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{GatewayType, ResourceType};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, ec2_owned_by_us, filter, is_not_found, opt_str, owned_filter, read_tags, report_adopted,
    str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::resource::{read_one, AwsResource};

pub struct CustomerGateway;

/// The highest 2-byte-or-4-byte ASN `bgp_asn` accepts (larger ones need `bgp_asn_extended`).
const MAX_BGP_ASN: i64 = 2_147_483_647;

#[async_trait]
impl AwsResource for CustomerGateway {
    fn type_name(&self) -> &'static str {
        "aws_customer_gateway"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A customer gateway: the on-premises VPN device, as AWS knows it.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr(
                    "bgp_asn",
                    Attribute::optional_computed(AttrType::String)
                        .force_new()
                        .describe("BGP ASN of the device, 1-2147483647 (a number or a string); AWS defaults to 65000"),
                )
                .attr(
                    "ip_address",
                    Attribute::optional(AttrType::String).force_new().describe("the device's public IPv4 address"),
                )
                .attr("type", Attribute::required(AttrType::String).force_new().describe("always \"ipsec.1\""))
                .attr("device_name", Attribute::optional(AttrType::String).force_new())
                .attr("certificate_arn", Attribute::optional(AttrType::String).force_new())
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
        .high_impact("its VPN connections are replaced with it, cutting the on-prem network off")
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("bgp_asn") {
            // "065000", " 65000" and 65000 are all the ASN AWS stores as "65000".
            match asn_of(&v) {
                Some(n) => Value::from(n.to_string()),
                None => v,
            }
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(t) = str_of(config, "type").filter(|t| *t != "ipsec.1") {
            out.push(
                Diagnostic::error(format!("customer gateway type {t:?} is not supported"))
                    .code("aws::cgw-type")
                    .attribute(AttrPath::attr("type"))
                    .help("the only type AWS supports is \"ipsec.1\""),
            );
        }
        if let Some(raw) = config.get("bgp_asn").filter(|v| !v.is_null() && !v.is_unknown()) {
            match asn_of(raw) {
                Some(n) if (1..=MAX_BGP_ASN).contains(&n) => {}
                _ => out.push(
                    Diagnostic::error(format!("{} is not a valid customer gateway BGP ASN", raw.render()))
                        .code("aws::cgw-bgp-asn")
                        .attribute(AttrPath::attr("bgp_asn"))
                        .help("use an ASN from 1 to 2147483647, e.g. 65000 (a private 16-bit ASN)"),
                ),
            }
        }
        if let Some(ip) = str_of(config, "ip_address") {
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                out.push(
                    Diagnostic::error(format!("{ip:?} is not an IPv4 address"))
                        .code("aws::cgw-ip-address")
                        .attribute(AttrPath::attr("ip_address"))
                        .help("give the device's public IPv4 address, like 203.0.113.12"),
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
        // Filtering by ID (rather than CustomerGatewayIds) makes missing IDs absent instead of
        // failing the whole call.
        let gateways = describe(cx, vec![filter("customer-gateway-id", items.iter().map(|i| i.id.clone()))]).await?;
        let mut account = None;
        let mut out = BTreeMap::new();
        for g in gateways.iter().filter(|g| is_live(g)) {
            let id = g.customer_gateway_id().unwrap_or_default();
            // The ARN needs the account ID, which DescribeCustomerGateways does not return:
            // reuse the one already in state, look it up only for a new or imported gateway.
            let p = prior.get(id).copied();
            let arn = match p.and_then(|p| str_of(p, "arn")) {
                Some(a) => a.to_string(),
                None => {
                    if account.is_none() {
                        account = Some(account_id(cx).await?);
                    }
                    arn_of(cx, account.as_deref().unwrap_or_default(), "customer-gateway", id)
                }
            };
            out.insert(id.to_string(), to_value(cx, g, p, arn));
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let ec2 = &cx.clients.ec2;
        // CreateCustomerGateway takes no client token. A run that crashed after it left a
        // gateway tagged with this address: adopt it.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let adopt =
            existing.iter().find(|g| is_live(g) && ec2_owned_by_us(cx, g.tags())).and_then(|g| g.customer_gateway_id());
        let id = match adopt {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let asn = planned.get("bgp_asn").and_then(asn_of).and_then(|n| i32::try_from(n).ok());
                let out = ec2
                    .create_customer_gateway()
                    .r#type(GatewayType::from(str_of(planned, "type").unwrap_or("ipsec.1")))
                    .set_bgp_asn(asn)
                    .set_ip_address(str_of(planned, "ip_address").map(Into::into))
                    .set_device_name(str_of(planned, "device_name").map(Into::into))
                    .set_certificate_arn(str_of(planned, "certificate_arn").map(Into::into))
                    .tag_specifications(tag_spec(ResourceType::CustomerGateway, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateCustomerGateway", e))?;
                out.customer_gateway().and_then(|g| g.customer_gateway_id()).unwrap_or_default().to_string()
            }
        };
        wait_state(cx, &id, "available").await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        update_tags(cx, &id, prior, planned).await?;
        let keep =
            Value::map([("arn", prior.get("arn").cloned().unwrap_or_default()), ("tags", planned_tags(planned))]);
        read_one(self, cx, &id, &keep).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        match cx.clients.ec2.delete_customer_gateway().customer_gateway_id(id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteCustomerGateway", e)),
        }
        wait_state(cx, id, "deleted").await
    }
}

fn planned_tags(planned: &Value) -> Value {
    planned.get("tags").cloned().unwrap_or_default()
}

/// An ASN written as a number or a (decimal) string.
fn asn_of(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse::<i64>().ok()))
}

/// Not deleted: AWS (and moto) list deleted gateways for a while with state "deleted".
fn is_live(g: &aws_sdk_ec2::types::CustomerGateway) -> bool {
    !matches!(g.state(), Some("deleted") | Some("deleting"))
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "customer gateway", id, "InvalidCustomerGatewayID.NotFound")
}

/// DescribeCustomerGateways with filters (the API has no pagination: one call returns all).
async fn describe(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::CustomerGateway>, Diagnostic> {
    let out = cx
        .clients
        .ec2
        .describe_customer_gateways()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "DescribeCustomerGateways", e))?;
    Ok(out.customer_gateways().to_vec())
}

/// Waits until the gateway is in `state`; for "deleted", a gateway no longer listed counts.
async fn wait_state(cx: &Ctx<'_>, id: &str, state: &str) -> Result<(), Diagnostic> {
    wait_for(cx, &format!("customer gateway {id} to become {state}"), Duration::from_secs(600), || async {
        let found = describe(cx, vec![filter("customer-gateway-id", [id])]).await?;
        let now = found.iter().find(|g| g.customer_gateway_id() == Some(id)).and_then(|g| g.state());
        Ok(match now {
            None if state == "deleted" => Some(()),
            Some(s) if s == state => Some(()),
            _ => None,
        })
    })
    .await
}

/// The account ID, which the ARNs of gateways and VPN connections need and their Describe calls
/// do not return. Every VPC has a default security group owned by the account: one small call.
pub(crate) async fn account_id(cx: &Ctx<'_>) -> Result<String, Diagnostic> {
    let out = cx
        .clients
        .ec2
        .describe_security_groups()
        .max_results(5)
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "DescribeSecurityGroups", e))?;
    Ok(out.security_groups().iter().find_map(|g| g.owner_id()).unwrap_or_default().to_string())
}

pub(crate) fn arn_of(cx: &Ctx<'_>, account: &str, kind: &str, id: &str) -> String {
    let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
    format!("arn:aws:ec2:{region}:{account}:{kind}/{id}")
}

fn to_value(cx: &Ctx<'_>, g: &aws_sdk_ec2::types::CustomerGateway, prior: Option<&Value>, arn: String) -> Value {
    let (tags, tags_all) = read_tags(g.tags(), cx.default_tags, prior);
    // Some endpoints (moto) do not echo the device name or certificate: keep what was set.
    let kept = |k: &str| prior.and_then(|p| p.get(k)).filter(|v| !v.is_unknown()).cloned().unwrap_or_default();
    let or_kept = |s: Option<&str>, k: &str| match s.filter(|s| !s.is_empty()) {
        Some(s) => Value::from(s),
        None => kept(k),
    };
    Value::map([
        ("id", opt_str(g.customer_gateway_id())),
        ("arn", Value::from(arn)),
        ("bgp_asn", opt_str(g.bgp_asn())),
        ("ip_address", opt_str(g.ip_address())),
        ("type", opt_str(g.r#type())),
        ("device_name", or_kept(g.device_name(), "device_name")),
        ("certificate_arn", or_kept(g.certificate_arn(), "certificate_arn")),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
