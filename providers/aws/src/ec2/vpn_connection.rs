//! `aws_vpn_connection`: a site-to-site VPN between a customer gateway and a transit gateway
//! (or a virtual private gateway).
//!
//! A replacement gives the connection new outside IP addresses and new pre-shared keys, which
//! the on-premises device must be reconfigured with: everything but `tags` and the local/remote
//! IPv4 network CIDRs forces one. The pre-shared keys could be changed in place with
//! ModifyVpnTunnelOptions, but the emulator tether is tested against lacks that call, so they
//! force a replacement too (as they do in CloudFormation).
//!
//! DescribeVpnConnections takes no page token; missing IDs fail the call on AWS (and the
//! emulator has no `vpn-connection-id` filter), so reads pass IDs and drop the ones reported
//! missing.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{ResourceType, VpnConnectionOptionsSpecification, VpnTunnelOptionsSpecification};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, bool_of, canonical_cidr, creation_tags, ec2_owned_by_us, filter, is_not_found, opt_str, owned_filter,
    read_tags, report_adopted, str_of, tag_spec, update_tags, Ctx,
};
use crate::ec2::customer_gateway::{account_id, arn_of};
use crate::resource::{read_one, AwsResource};

pub struct VpnConnection;

const TUNNELS: [&str; 2] = ["tunnel1", "tunnel2"];

#[async_trait]
impl AwsResource for VpnConnection {
    fn type_name(&self) -> &'static str {
        "aws_vpn_connection"
    }

    fn schema(&self) -> ResourceSchema {
        let s = || AttrType::String;
        let mut b = Block::new()
            .attr("id", Attribute::computed(s()))
            .attr("arn", Attribute::computed(s()))
            .attr("customer_gateway_id", Attribute::required(s()).force_new())
            .attr("type", Attribute::required(s()).force_new().describe("always \"ipsec.1\""))
            .attr("transit_gateway_id", Attribute::optional(s()).force_new())
            .attr("vpn_gateway_id", Attribute::optional(s()).force_new())
            .attr("static_routes_only", Attribute::optional_computed(AttrType::Bool).force_new())
            .attr("local_ipv4_network_cidr", Attribute::optional_computed(s()))
            .attr("remote_ipv4_network_cidr", Attribute::optional_computed(s()))
            .attr("transit_gateway_attachment_id", Attribute::computed(s()))
            .attr(
                "customer_gateway_configuration",
                Attribute::computed(s()).sensitive().describe("the device configuration (XML); holds the keys"),
            )
            .attr(
                "routes",
                Attribute::computed(AttrType::set_of(AttrType::map_of(AttrType::String)))
                    .describe("static routes: destination_cidr_block, source, state"),
            )
            .attr("tags", Attribute::optional(AttrType::map_of(s())))
            .attr("tags_all", Attribute::computed(AttrType::map_of(s())));
        for t in TUNNELS {
            b = b
                .attr(
                    &format!("{t}_inside_cidr"),
                    Attribute::optional_computed(s())
                        .force_new()
                        .describe("a /30 in 169.254.0.0/16, not 169.254.0-5.0/30 or 169.254.169.252/30"),
                )
                .attr(
                    &format!("{t}_preshared_key"),
                    Attribute::optional_computed(s())
                        .force_new()
                        .sensitive()
                        .describe("8-64 of [A-Za-z0-9._], not starting with 0"),
                )
                .attr(&format!("{t}_address"), Attribute::computed(s()).describe("the AWS end's outside IP"))
                .attr(
                    &format!("{t}_cgw_inside_address"),
                    Attribute::computed(s()).describe("the on-prem end's address inside the tunnel (BGP peer)"),
                )
                .attr(
                    &format!("{t}_vgw_inside_address"),
                    Attribute::computed(s()).describe("the AWS end's address inside the tunnel (BGP neighbour)"),
                )
                .attr(&format!("{t}_bgp_asn"), Attribute::computed(s()).describe("the AWS end's BGP ASN"))
                .attr(
                    &format!("{t}_bgp_holdtime"),
                    Attribute::computed(AttrType::Number).describe("BGP hold time in seconds"),
                );
        }
        ResourceSchema::new("A site-to-site VPN connection.", b).high_impact(
            "the on-prem network, its hybrid nodes and pods lose their path to AWS while tunnels are rebuilt",
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        let cidrs = ["local_ipv4_network_cidr", "remote_ipv4_network_cidr"];
        if cidrs.iter().any(|c| path == &AttrPath::attr(*c)) {
            canonical_cidr(v)
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(t) = str_of(config, "type").filter(|t| *t != "ipsec.1") {
            out.push(
                Diagnostic::error(format!("VPN connection type {t:?} is not supported"))
                    .code("aws::vpn-type")
                    .attribute(AttrPath::attr("type"))
                    .help("the only type AWS supports is \"ipsec.1\""),
            );
        }
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("transit_gateway_id") == set("vpn_gateway_id") {
            out.push(
                Diagnostic::error("a VPN connection needs exactly one of transit_gateway_id and vpn_gateway_id")
                    .code("aws::vpn-gateway")
                    .attribute(AttrPath::attr(if set("vpn_gateway_id") {
                        "vpn_gateway_id"
                    } else {
                        "transit_gateway_id"
                    }))
                    .help("set transit_gateway_id (the hybrid design uses the transit gateway) or vpn_gateway_id"),
            );
        }
        for t in TUNNELS {
            let key = format!("{t}_inside_cidr");
            if let Some(c) = str_of(config, &key) {
                if let Err(why) = check_inside_cidr(c) {
                    out.push(
                        Diagnostic::error(format!("{key} {c:?} {why}"))
                            .code("aws::vpn-inside-cidr")
                            .attribute(AttrPath::attr(key.as_str()))
                            .help("use a /30 inside 169.254.0.0/16 other than 169.254.0.0/30 ... 169.254.5.0/30 and 169.254.169.252/30, e.g. 169.254.10.0/30"),
                    );
                }
            }
            let key = format!("{t}_preshared_key");
            if let Some(k) = str_of(config, &key) {
                if let Err(why) = check_preshared_key(k) {
                    // Never echo the key itself.
                    out.push(
                        Diagnostic::error(format!("{key} {why}"))
                            .code("aws::vpn-preshared-key")
                            .attribute(AttrPath::attr(key.as_str()))
                            .help("use 8-64 characters of A-Z, a-z, 0-9, '.' and '_', not starting with 0"),
                    );
                }
            }
        }
        if let (Some(a), Some(b)) = (str_of(config, "tunnel1_inside_cidr"), str_of(config, "tunnel2_inside_cidr")) {
            if a == b {
                out.push(
                    Diagnostic::error(format!("both tunnels use the inside CIDR {a}"))
                        .code("aws::vpn-inside-cidr")
                        .attribute(AttrPath::attr("tunnel2_inside_cidr"))
                        .help("give each tunnel its own /30"),
                );
            }
        }
        for key in ["local_ipv4_network_cidr", "remote_ipv4_network_cidr"] {
            if let Some(c) = str_of(config, key) {
                if c.parse::<ipnet::Ipv4Net>().is_err() {
                    out.push(
                        Diagnostic::error(format!("{key} {c:?} is not an IPv4 CIDR block"))
                            .code("aws::invalid-cidr")
                            .attribute(AttrPath::attr(key))
                            .help("write it like 192.168.0.0/16 (AWS defaults to 0.0.0.0/0)"),
                    );
                }
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        let conns = describe_ids(cx, items.iter().map(|i| i.id.clone()).collect()).await?;
        let conns: Vec<_> = conns.into_iter().filter(is_live).collect();
        let attachments = tgw_attachments(cx, &conns).await?;
        let mut account = None;
        let mut out = BTreeMap::new();
        for c in &conns {
            let id = c.vpn_connection_id().unwrap_or_default();
            let p = prior.get(id).copied();
            // The ARN needs the account ID, which DescribeVpnConnections does not return.
            let arn = match p.and_then(|p| str_of(p, "arn")) {
                Some(a) => a.to_string(),
                None => {
                    if account.is_none() {
                        account = Some(account_id(cx).await?);
                    }
                    arn_of(cx, account.as_deref().unwrap_or_default(), "vpn-connection", id)
                }
            };
            out.insert(id.to_string(), to_value(cx, c, p, arn, attachments.get(id)));
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let ec2 = &cx.clients.ec2;
        // CreateVpnConnection takes no client token. A run that crashed after it left a
        // connection tagged with this address: adopt it.
        let existing = describe_filters(cx, owned_filter(cx.lineage, cx.address)).await?;
        let adopt =
            existing.iter().find(|c| is_live(c) && ec2_owned_by_us(cx, c.tags())).and_then(|c| c.vpn_connection_id());
        let id = match adopt {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let tunnels: Vec<VpnTunnelOptionsSpecification> = TUNNELS
                    .iter()
                    .map(|t| {
                        VpnTunnelOptionsSpecification::builder()
                            .set_tunnel_inside_cidr(str_of(planned, &format!("{t}_inside_cidr")).map(Into::into))
                            .set_pre_shared_key(str_of(planned, &format!("{t}_preshared_key")).map(Into::into))
                            .build()
                    })
                    .collect();
                let options = VpnConnectionOptionsSpecification::builder()
                    .set_static_routes_only(bool_of(planned, "static_routes_only"))
                    .set_local_ipv4_network_cidr(str_of(planned, "local_ipv4_network_cidr").map(Into::into))
                    .set_remote_ipv4_network_cidr(str_of(planned, "remote_ipv4_network_cidr").map(Into::into))
                    .set_tunnel_options(Some(tunnels))
                    .build();
                let out = ec2
                    .create_vpn_connection()
                    .customer_gateway_id(str_of(planned, "customer_gateway_id").unwrap_or_default())
                    .r#type(str_of(planned, "type").unwrap_or("ipsec.1"))
                    .set_transit_gateway_id(str_of(planned, "transit_gateway_id").map(Into::into))
                    .set_vpn_gateway_id(str_of(planned, "vpn_gateway_id").map(Into::into))
                    .options(options)
                    .tag_specifications(tag_spec(ResourceType::VpnConnection, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateVpnConnection", e))?;
                out.vpn_connection().and_then(|c| c.vpn_connection_id()).unwrap_or_default().to_string()
            }
        };
        wait_state(cx, &id, "available").await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let changed = |k: &str| {
            let want = planned.get(k).filter(|v| !v.is_null() && !v.is_unknown());
            want.is_some() && want != prior.get(k)
        };
        if changed("local_ipv4_network_cidr") || changed("remote_ipv4_network_cidr") {
            cx.clients
                .ec2
                .modify_vpn_connection_options()
                .vpn_connection_id(&id)
                .set_local_ipv4_network_cidr(str_of(planned, "local_ipv4_network_cidr").map(Into::into))
                .set_remote_ipv4_network_cidr(str_of(planned, "remote_ipv4_network_cidr").map(Into::into))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ModifyVpnConnectionOptions", e))?;
            wait_state(cx, &id, "available").await?;
        }
        update_tags(cx, &id, prior, planned).await?;
        // What the API may not echo (keys, inside CIDRs on some endpoints) comes from the plan.
        let mut keep = prior.clone();
        for (k, v) in planned.as_map().into_iter().flatten() {
            if !v.is_unknown() {
                keep.set_path(&AttrPath::attr(k.as_str()), v.clone());
            }
        }
        read_one(self, cx, &id, &keep).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        match cx.clients.ec2.delete_vpn_connection().vpn_connection_id(id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteVpnConnection", e)),
        }
        wait_state(cx, id, "deleted").await
    }
}

/// A tunnel inside CIDR AWS accepts: a /30 in 169.254.0.0/16, not a reserved one.
fn check_inside_cidr(c: &str) -> Result<(), String> {
    let net: ipnet::Ipv4Net = c.parse().map_err(|_| "is not an IPv4 CIDR block".to_string())?;
    if net.prefix_len() != 30 {
        return Err(format!("is a /{}; a tunnel inside CIDR must be a /30", net.prefix_len()));
    }
    if net.network() != net.addr() {
        return Err(format!("is not the start of its /30 (that is {})", net.trunc()));
    }
    let link_local: ipnet::Ipv4Net = "169.254.0.0/16".parse().expect("constant CIDR");
    if !link_local.contains(&net) {
        return Err("is not inside 169.254.0.0/16".into());
    }
    let o = net.addr().octets();
    if (o[2] <= 5 && o[3] == 0) || (o[2] == 169 && o[3] == 252) {
        return Err("is reserved by AWS".into());
    }
    Ok(())
}

/// A pre-shared key AWS accepts. The error never contains the key.
fn check_preshared_key(k: &str) -> Result<(), String> {
    if !(8..=64).contains(&k.len()) {
        return Err(format!("must be 8 to 64 characters long, not {}", k.len()));
    }
    if let Some(bad) = k.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '_')) {
        let what = if bad.is_ascii_punctuation() || bad == ' ' { format!("{bad:?}") } else { "a character".into() };
        return Err(format!("contains {what}, which is not allowed (only A-Z, a-z, 0-9, '.' and '_')"));
    }
    if k.starts_with('0') {
        return Err("must not start with 0".into());
    }
    Ok(())
}

/// Not deleted: AWS (and moto) list deleted connections for a while with state "deleted".
fn is_live(c: &aws_sdk_ec2::types::VpnConnection) -> bool {
    !matches!(c.state().map(|s| s.as_str()), Some("deleted") | Some("deleting"))
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "VPN connection", id, "InvalidVpnConnectionID.NotFound")
}

/// DescribeVpnConnections with filters (no pagination: one call returns every match).
async fn describe_filters(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::VpnConnection>, Diagnostic> {
    let out = cx
        .clients
        .ec2
        .describe_vpn_connections()
        .set_filters(Some(filters))
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "DescribeVpnConnections", e))?;
    Ok(out.vpn_connections().to_vec())
}

/// DescribeVpnConnections for these IDs in one call. An unknown ID fails the whole call with
/// InvalidVpnConnectionID.NotFound naming it: drop it and ask again (rare: AWS keeps deleted
/// connections listed for a while).
async fn describe_ids(
    cx: &Ctx<'_>,
    mut ids: Vec<String>,
) -> Result<Vec<aws_sdk_ec2::types::VpnConnection>, Diagnostic> {
    loop {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match cx.clients.ec2.describe_vpn_connections().set_vpn_connection_ids(Some(ids.clone())).send().await {
            Ok(out) => return Ok(out.vpn_connections().to_vec()),
            Err(e) if is_not_found(&e) => {
                let msg = e.message().unwrap_or_default().to_string();
                let before = ids.len();
                ids.retain(|id| !msg.contains(id.as_str()));
                if ids.len() == before {
                    // The message named no ID we asked for: all of them may be gone; ask one
                    // at a time rather than guess.
                    if before == 1 {
                        return Ok(Vec::new());
                    }
                    let mut found = Vec::new();
                    for id in ids {
                        found.extend(Box::pin(describe_ids(cx, vec![id])).await?);
                    }
                    return Ok(found);
                }
            }
            Err(e) => return Err(aws_error(cx.address, "DescribeVpnConnections", e)),
        }
    }
}

/// The transit gateway attachment of each VPN connection, in one call.
async fn tgw_attachments(
    cx: &Ctx<'_>,
    conns: &[aws_sdk_ec2::types::VpnConnection],
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let ids: Vec<String> = conns
        .iter()
        .filter(|c| c.transit_gateway_id().is_some())
        .filter_map(|c| c.vpn_connection_id().map(str::to_string))
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut pages = cx
        .clients
        .ec2
        .describe_transit_gateway_attachments()
        .filters(filter("resource-type", ["vpn"]))
        .filters(filter("resource-id", ids))
        .into_paginator()
        .send();
    let mut out = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeTransitGatewayAttachments", e))?;
        for a in page.transit_gateway_attachments() {
            let state = a.state().map(|s| s.as_str());
            if matches!(state, Some("deleted") | Some("deleting") | Some("failed")) {
                continue;
            }
            if let (Some(vpn), Some(id)) = (a.resource_id(), a.transit_gateway_attachment_id()) {
                out.insert(vpn.to_string(), id.to_string());
            }
        }
    }
    Ok(out)
}

/// Waits until the connection is in `state`; for "deleted", one no longer listed counts.
async fn wait_state(cx: &Ctx<'_>, id: &str, state: &str) -> Result<(), Diagnostic> {
    // VPN connections take up to ~40 minutes; concurrent waits share one DescribeVpnConnections.
    let what = format!("VPN connection {id} to become {state}");
    let states = |ids: Vec<String>| async move {
        let found = describe_ids(cx, ids).await?;
        Ok(found
            .iter()
            .filter_map(|c| Some((c.vpn_connection_id()?.to_string(), c.state()?.as_str().to_string())))
            .collect())
    };
    crate::common::wait_status(cx, "aws_vpn_connection", id, &what, Duration::from_secs(45 * 60), states, |now| {
        Ok(match now {
            None => state == "deleted",
            Some(s) => s == state,
        })
    })
    .await
}

/// The BGP settings of each tunnel's AWS end from the customer gateway configuration XML, in
/// document order: (ASN, hold time).
fn bgp_from_xml(xml: &str) -> Vec<(Option<String>, Option<i64>)> {
    fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
        let start = s.find(open)? + open.len();
        let end = s[start..].find(close)? + start;
        Some(s[start..end].trim())
    }
    xml.split("<ipsec_tunnel>")
        .skip(1)
        .map(|t| {
            let bgp = between(t, "<vpn_gateway>", "</vpn_gateway>").and_then(|v| between(v, "<bgp>", "</bgp>"));
            let asn = bgp.and_then(|b| between(b, "<asn>", "</asn>")).map(str::to_string);
            let hold = bgp.and_then(|b| between(b, "<hold_time>", "</hold_time>")).and_then(|h| h.parse().ok());
            (asn, hold)
        })
        .collect()
}

/// The two ends of a tunnel inside its /30: AWS takes the first address, the customer gateway
/// the second (169.254.10.1 and 169.254.10.2 in 169.254.10.0/30).
fn inside_addresses(cidr: &Value) -> (Value, Value) {
    match cidr.as_str().and_then(|c| c.parse::<ipnet::Ipv4Net>().ok()) {
        Some(n) if n.prefix_len() == 30 => {
            let base = u32::from(n.network());
            (
                Value::from(std::net::Ipv4Addr::from(base + 2).to_string()),
                Value::from(std::net::Ipv4Addr::from(base + 1).to_string()),
            )
        }
        _ => (Value::Null, Value::Null),
    }
}

/// Per-tunnel facts from the customer gateway configuration XML, in document order:
/// (AWS outside address, inside CIDR, pre-shared key).
fn tunnels_from_xml(xml: &str) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
        let start = s.find(open)? + open.len();
        let end = s[start..].find(close)? + start;
        Some(s[start..end].trim())
    }
    xml.split("<ipsec_tunnel>")
        .skip(1)
        .map(|t| {
            let vgw = between(t, "<vpn_gateway>", "</vpn_gateway>").unwrap_or_default();
            let outside = between(vgw, "<tunnel_outside_address>", "</tunnel_outside_address>")
                .and_then(|o| between(o, "<ip_address>", "</ip_address>"))
                .map(str::to_string);
            let inside = between(vgw, "<tunnel_inside_address>", "</tunnel_inside_address>").and_then(|i| {
                let ip = between(i, "<ip_address>", "</ip_address>")?;
                let len = between(i, "<network_cidr>", "</network_cidr>")?;
                let net: ipnet::Ipv4Net = format!("{ip}/{len}").parse().ok()?;
                Some(net.trunc().to_string())
            });
            let psk = between(t, "<pre_shared_key>", "</pre_shared_key>").map(str::to_string);
            (outside, inside, psk)
        })
        .collect()
}

fn to_value(
    cx: &Ctx<'_>,
    c: &aws_sdk_ec2::types::VpnConnection,
    prior: Option<&Value>,
    arn: String,
    attachment: Option<&String>,
) -> Value {
    let (tags, tags_all) = read_tags(c.tags(), cx.default_tags, prior);
    let id = c.vpn_connection_id().unwrap_or_default();
    let kept = |k: &str| prior.and_then(|p| p.get(k)).filter(|v| !v.is_null() && !v.is_unknown()).cloned();
    let pick = |api: Option<Value>, k: &str, fallback: Option<Value>| {
        api.or_else(|| kept(k)).or(fallback).unwrap_or(Value::Null)
    };
    let options = c.options();
    let tunnel_options = options.map(|o| o.tunnel_options()).unwrap_or_default();
    let xml = c.customer_gateway_configuration().unwrap_or_default();
    let from_xml = tunnels_from_xml(xml);
    let bgp = bgp_from_xml(xml);
    let mut v = BTreeMap::new();
    for (i, t) in TUNNELS.iter().enumerate() {
        let api = tunnel_options.get(i);
        let (x_out, x_inside, x_psk) = from_xml.get(i).cloned().unwrap_or_default();
        let telemetry = c.vgw_telemetry().get(i).and_then(|t| t.outside_ip_address());
        let address = api.and_then(|o| o.outside_ip_address()).or(telemetry).map(str::to_string).or(x_out);
        // Some endpoints (moto) return no tunnel options and a canned configuration: what the
        // stack set is then kept, and the configuration only fills in what it did not set.
        let inside = api.and_then(|o| o.tunnel_inside_cidr()).map(Value::from);
        let psk = api.and_then(|o| o.pre_shared_key()).map(Value::from);
        v.insert(format!("{t}_address"), address.map(Value::from).unwrap_or(Value::Null));
        v.insert(format!("{t}_inside_cidr"), pick(inside, &format!("{t}_inside_cidr"), x_inside.map(Value::from)));
        v.insert(format!("{t}_preshared_key"), pick(psk, &format!("{t}_preshared_key"), x_psk.map(Value::from)));
        let (cgw, vgw) = inside_addresses(v.get(&format!("{t}_inside_cidr")).unwrap_or(&Value::Null));
        v.insert(format!("{t}_cgw_inside_address"), cgw);
        v.insert(format!("{t}_vgw_inside_address"), vgw);
        let (asn, hold) = bgp.get(i).cloned().unwrap_or_default();
        // The XML carries the Amazon side's ASN; without it, the transit gateway's is not known here.
        v.insert(format!("{t}_bgp_asn"), asn.map(Value::from).unwrap_or_default());
        v.insert(format!("{t}_bgp_holdtime"), hold.map(Value::int).unwrap_or_default());
    }
    let routes: Vec<Value> = c
        .routes()
        .iter()
        .map(|r| {
            Value::map([
                ("destination_cidr_block", opt_str(r.destination_cidr_block())),
                ("source", opt_str(r.source().map(|s| s.as_str()))),
                ("state", opt_str(r.state().map(|s| s.as_str()))),
            ])
        })
        .collect();
    let opt_string = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(Value::from);
    v.extend([
        ("id".to_string(), Value::from(id)),
        ("arn".to_string(), Value::from(arn)),
        ("customer_gateway_id".to_string(), opt_str(c.customer_gateway_id())),
        ("type".to_string(), opt_str(c.r#type().map(|t| t.as_str()))),
        ("transit_gateway_id".to_string(), opt_str(c.transit_gateway_id())),
        ("vpn_gateway_id".to_string(), opt_str(c.vpn_gateway_id().filter(|s| !s.trim().is_empty()))),
        (
            "static_routes_only".to_string(),
            pick(
                options.and_then(|o| o.static_routes_only()).map(Value::Bool),
                "static_routes_only",
                Some(false.into()),
            ),
        ),
        (
            "local_ipv4_network_cidr".to_string(),
            pick(
                opt_string(options.and_then(|o| o.local_ipv4_network_cidr())),
                "local_ipv4_network_cidr",
                Some("0.0.0.0/0".into()),
            ),
        ),
        (
            "remote_ipv4_network_cidr".to_string(),
            pick(
                opt_string(options.and_then(|o| o.remote_ipv4_network_cidr())),
                "remote_ipv4_network_cidr",
                Some("0.0.0.0/0".into()),
            ),
        ),
        ("transit_gateway_attachment_id".to_string(), attachment.map(|a| Value::from(a.as_str())).unwrap_or_default()),
        ("customer_gateway_configuration".to_string(), opt_str(Some(xml).filter(|x| !x.is_empty()))),
        ("routes".to_string(), Value::List(routes)),
        ("tags".to_string(), tags),
        ("tags_all".to_string(), tags_all),
    ]);
    Value::Map(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_addresses_follow_aws() {
        let (cgw, vgw) = inside_addresses(&Value::from("169.254.10.0/30"));
        assert_eq!((cgw.as_str(), vgw.as_str()), (Some("169.254.10.2"), Some("169.254.10.1")));
        assert_eq!(inside_addresses(&Value::Unknown), (Value::Null, Value::Null));
    }

    #[test]
    fn bgp_settings_come_from_the_device_configuration() {
        let xml = "<vpn_connection><ipsec_tunnel><vpn_gateway><tunnel_outside_address><ip_address>52.78.10.1</ip_address></tunnel_outside_address><bgp><asn>64512</asn><hold_time>30</hold_time></bgp></vpn_gateway></ipsec_tunnel><ipsec_tunnel><vpn_gateway><bgp><asn>64512</asn><hold_time>30</hold_time></bgp></vpn_gateway></ipsec_tunnel></vpn_connection>";
        assert_eq!(bgp_from_xml(xml), vec![(Some("64512".into()), Some(30)), (Some("64512".into()), Some(30))]);
        assert_eq!(tunnels_from_xml(xml)[0].0.as_deref(), Some("52.78.10.1"));
    }
}
