//! `aws_ec2_transit_gateway`, and small helpers the other transit gateway types share.
//!
//! The Terraform provider writes the gateway's options as "enable"/"disable" strings; the API
//! takes enums with the same spelling, so stacks use Terraform's words and we send the API's enum.
//! CreateTransitGateway takes no client token: the ownership tags set at creation are how a
//! re-run finds (and adopts) a gateway a crashed run created.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    AutoAcceptSharedAttachmentsValue, DefaultRouteTableAssociationValue, DefaultRouteTablePropagationValue,
    DnsSupportValue, ModifyTransitGatewayOptions, ResourceType, TransitGatewayRequestOptions, VpnEcmpSupportValue,
};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, ec2_owned_by_us, filter, i64_of, is_not_found, opt_str, owned_filter, read_tags,
    report_adopted, str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::resource::{read_one, AwsResource};

pub struct TransitGateway;

/// The gateway options Terraform spells "enable"/"disable".
const OPTIONS: [&str; 5] = [
    "auto_accept_shared_attachments",
    "default_route_table_association",
    "default_route_table_propagation",
    "dns_support",
    "vpn_ecmp_support",
];

/// The private ASN ranges AWS accepts for the Amazon side of a transit gateway.
const ASN_RANGES: [(i64, i64); 2] = [(64512, 65534), (4_200_000_000, 4_294_967_294)];

// ---- helpers shared by the transit gateway types (kept here: each type owns its own file) ----

pub(crate) fn tags_attrs(b: Block) -> Block {
    b.attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
        .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
}

/// Checks that each named attribute, when set, is "enable" or "disable".
pub(crate) fn check_enable_disable(config: &Value, names: &[&str], out: &mut Vec<Diagnostic>) {
    for name in names {
        if let Some(v) = str_of(config, name).filter(|v| !matches!(*v, "enable" | "disable")) {
            out.push(
                Diagnostic::error(format!("{name} must be \"enable\" or \"disable\", not {v:?}"))
                    .code("aws::invalid-option")
                    .attribute(AttrPath::attr(*name))
                    .help("the Terraform AWS provider spells these options \"enable\" and \"disable\""),
            );
        }
    }
}

pub(crate) fn region(cx: &Ctx<'_>) -> String {
    cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default()
}

/// The planned value of `k` when it differs from the prior one.
pub(crate) fn changed<'v>(prior: &Value, planned: &'v Value, k: &str) -> Option<&'v str> {
    str_of(planned, k).filter(|v| str_of(prior, k) != Some(*v))
}

pub(crate) use crate::common::vanished;

#[async_trait]
impl AwsResource for TransitGateway {
    fn type_name(&self) -> &'static str {
        "aws_ec2_transit_gateway"
    }

    fn schema(&self) -> ResourceSchema {
        let option = |what: &str, default: &str| {
            Attribute::optional_computed(AttrType::String)
                .describe(format!("{what}: \"enable\" or \"disable\" (AWS default \"{default}\")"))
        };
        ResourceSchema::new(
            "A transit gateway: the hub joining VPCs, VPNs and Direct Connect.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String))
                    .attr("arn", Attribute::computed(AttrType::String))
                    .attr("owner_id", Attribute::computed(AttrType::String))
                    .attr("description", Attribute::optional(AttrType::String))
                    .attr(
                        "amazon_side_asn",
                        Attribute::optional_computed(AttrType::Number)
                            .force_new()
                            .describe("private ASN of the Amazon side of BGP sessions (64512 by default)"),
                    )
                    .attr(
                        "auto_accept_shared_attachments",
                        option("accept shared attachments automatically", "disable"),
                    )
                    .attr(
                        "default_route_table_association",
                        option("associate attachments with the default route table", "enable"),
                    )
                    .attr(
                        "default_route_table_propagation",
                        option("propagate attachments to the default route table", "enable"),
                    )
                    .attr("dns_support", option("DNS support", "enable"))
                    .attr("vpn_ecmp_support", option("equal-cost multipath over VPN connections", "enable"))
                    .attr("association_default_route_table_id", Attribute::computed(AttrType::String))
                    .attr("propagation_default_route_table_id", Attribute::computed(AttrType::String)),
            ),
        )
        .high_impact("every attachment, VPN and route on the hub goes with it")
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(asn) = config.get("amazon_side_asn").filter(|v| v.is_wholly_known() && !v.is_null()) {
            let ok = asn.as_i64().is_some_and(|n| ASN_RANGES.iter().any(|(lo, hi)| (*lo..=*hi).contains(&n)));
            if !ok {
                out.push(
                    Diagnostic::error(format!("amazon_side_asn {} is not a private ASN AWS accepts", asn.render()))
                        .code("aws::tgw-asn-range")
                        .attribute(AttrPath::attr("amazon_side_asn"))
                        .help("use 64512-65534 or 4200000000-4294967294 (the default is 64512)"),
                );
            }
        }
        check_enable_disable(config, &OPTIONS, &mut out);
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        // One paginated DescribeTransitGateways for every gateway; filtering by ID (rather than
        // passing TransitGatewayIds) leaves missing IDs out instead of failing the call.
        let found = describe(cx, vec![filter("transit-gateway-id", items.iter().map(|i| i.id.clone()))]).await?;
        Ok(found
            .iter()
            .filter(|t| !gone(t))
            .map(|t| {
                let id = t.transit_gateway_id().unwrap_or_default().to_string();
                let v = to_value(cx, t, prior.get(id.as_str()).copied());
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        // CreateTransitGateway takes no client token: a run that crashed after it left a
        // gateway tagged with this address, so adopt that one.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let id = match existing
            .iter()
            .find(|t| !gone(t) && ec2_owned_by_us(cx, t.tags()))
            .and_then(|t| t.transit_gateway_id())
        {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let s = |k: &str| str_of(planned, k);
                let options = TransitGatewayRequestOptions::builder()
                    .set_amazon_side_asn(i64_of(planned, "amazon_side_asn"))
                    .set_auto_accept_shared_attachments(s("auto_accept_shared_attachments").map(Into::into))
                    .set_default_route_table_association(s("default_route_table_association").map(Into::into))
                    .set_default_route_table_propagation(s("default_route_table_propagation").map(Into::into))
                    .set_dns_support(s("dns_support").map(Into::into))
                    .set_vpn_ecmp_support(s("vpn_ecmp_support").map(Into::into))
                    .build();
                let out = cx
                    .clients
                    .ec2
                    .create_transit_gateway()
                    .set_description(s("description").map(Into::into))
                    .options(options)
                    .tag_specifications(tag_spec(ResourceType::TransitGateway, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateTransitGateway", e))?;
                out.transit_gateway().and_then(|t| t.transit_gateway_id()).unwrap_or_default().to_string()
            }
        };
        wait_available(cx, &id).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| not_found(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        // ModifyTransitGateway changes the description and every option Terraform exposes here
        // (amazon_side_asn is force_new, as the brief and older Terraform versions have it).
        let c = |k: &str| changed(prior, planned, k);
        let mut options = ModifyTransitGatewayOptions::builder();
        let mut any = false;
        if let Some(v) = c("auto_accept_shared_attachments") {
            options = options.auto_accept_shared_attachments(AutoAcceptSharedAttachmentsValue::from(v));
            any = true;
        }
        if let Some(v) = c("default_route_table_association") {
            options = options.default_route_table_association(DefaultRouteTableAssociationValue::from(v));
            // Turning it back on: keep the gateway's existing default table (AWS would otherwise
            // pick the one it had, or create none).
            if v == "enable" {
                options = options.set_association_default_route_table_id(
                    str_of(prior, "association_default_route_table_id").map(Into::into),
                );
            }
            any = true;
        }
        if let Some(v) = c("default_route_table_propagation") {
            options = options.default_route_table_propagation(DefaultRouteTablePropagationValue::from(v));
            if v == "enable" {
                options = options.set_propagation_default_route_table_id(
                    str_of(prior, "propagation_default_route_table_id").map(Into::into),
                );
            }
            any = true;
        }
        if let Some(v) = c("dns_support") {
            options = options.dns_support(DnsSupportValue::from(v));
            any = true;
        }
        if let Some(v) = c("vpn_ecmp_support") {
            options = options.vpn_ecmp_support(VpnEcmpSupportValue::from(v));
            any = true;
        }
        let description = str_of(planned, "description");
        let description_changed = description != str_of(prior, "description");
        if any || description_changed {
            let mut req = cx.clients.ec2.modify_transit_gateway().transit_gateway_id(&id);
            if description_changed {
                // An empty description clears it.
                req = req.description(description.unwrap_or_default());
            }
            if any {
                req = req.options(options.build());
            }
            req.send().await.map_err(|e| aws_error(cx.address, "ModifyTransitGateway", e))?;
            wait_available(cx, &id).await?;
        }
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| not_found(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        // AWS refuses while attachments are still being deleted (IncorrectState): those take a
        // few minutes after their own delete returns, so retry until they are gone.
        let what = format!("transit gateway {id}'s attachments to be deleted");
        wait_for(cx, &what, Duration::from_secs(600), || async {
            match cx.clients.ec2.delete_transit_gateway().transit_gateway_id(&id).send().await {
                Ok(_) => Ok(Some(())),
                Err(e) if is_not_found(&e) => Ok(Some(())),
                Err(e) if e.code() == Some("IncorrectState") => Ok(None),
                Err(e) => Err(aws_error(cx.address, "DeleteTransitGateway", e)),
            }
        })
        .await?;
        wait_for(cx, &format!("transit gateway {id} to be deleted"), Duration::from_secs(900), || async {
            let found = describe(cx, vec![filter("transit-gateway-id", [id.as_str()])]).await?;
            Ok(found.iter().all(|t| t.state().map(|s| s.as_str()) == Some("deleted")).then_some(()))
        })
        .await
    }
}

fn not_found(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    vanished(cx, "transit gateway", id, "InvalidTransitGatewayID.NotFound")
}

/// A gateway AWS still lists for a while after it was deleted.
fn gone(t: &aws_sdk_ec2::types::TransitGateway) -> bool {
    t.state().map(|s| s.as_str()) == Some("deleted")
}

/// DescribeTransitGateways with filters, all pages.
pub(crate) async fn describe(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::TransitGateway>, Diagnostic> {
    let mut pages = cx.clients.ec2.describe_transit_gateways().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeTransitGateways", e))?;
        out.extend(page.transit_gateways().iter().cloned());
    }
    Ok(out)
}

async fn wait_available(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    // Creation takes ~5 minutes in AWS.
    let what = format!("transit gateway {id} to become available");
    let states = |ids: Vec<String>| async move {
        let found = describe(cx, vec![filter("transit-gateway-id", ids)]).await?;
        Ok(found
            .iter()
            .filter_map(|t| Some((t.transit_gateway_id()?.to_string(), t.state()?.as_str().to_string())))
            .collect())
    };
    crate::common::wait_status(
        cx,
        "aws_ec2_transit_gateway",
        id,
        &what,
        Duration::from_secs(900),
        states,
        |s| match s {
            Some("available") => Ok(true),
            Some("deleting" | "deleted") | None => Err(not_found(cx, id)),
            Some(_) => Ok(false),
        },
    )
    .await
}

fn to_value(cx: &Ctx<'_>, t: &aws_sdk_ec2::types::TransitGateway, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(t.tags(), cx.default_tags, prior);
    let id = t.transit_gateway_id().unwrap_or_default();
    let owner = t.owner_id().unwrap_or_default();
    let arn = t
        .transit_gateway_arn()
        .map(str::to_string)
        .unwrap_or_else(|| format!("arn:aws:ec2:{}:{owner}:transit-gateway/{id}", region(cx)));
    let o = t.options();
    Value::map([
        ("id", Value::from(id)),
        ("arn", Value::from(arn)),
        ("owner_id", Value::from(owner)),
        ("description", opt_str(t.description().filter(|d| !d.is_empty()))),
        ("amazon_side_asn", o.and_then(|o| o.amazon_side_asn()).map(Value::int).unwrap_or(Value::Null)),
        (
            "auto_accept_shared_attachments",
            opt_str(o.and_then(|o| o.auto_accept_shared_attachments()).map(|v| v.as_str())),
        ),
        (
            "default_route_table_association",
            opt_str(o.and_then(|o| o.default_route_table_association()).map(|v| v.as_str())),
        ),
        (
            "default_route_table_propagation",
            opt_str(o.and_then(|o| o.default_route_table_propagation()).map(|v| v.as_str())),
        ),
        ("dns_support", opt_str(o.and_then(|o| o.dns_support()).map(|v| v.as_str()))),
        ("vpn_ecmp_support", opt_str(o.and_then(|o| o.vpn_ecmp_support()).map(|v| v.as_str()))),
        ("association_default_route_table_id", opt_str(o.and_then(|o| o.association_default_route_table_id()))),
        ("propagation_default_route_table_id", opt_str(o.and_then(|o| o.propagation_default_route_table_id()))),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
