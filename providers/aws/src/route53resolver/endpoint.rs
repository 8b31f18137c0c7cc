//! `aws_route53_resolver_endpoint`: an inbound (on-prem -> AWS names) or outbound (AWS ->
//! on-prem names) Route 53 Resolver endpoint.
//!
//! The IP set changes in place: the new addresses are associated first and the old ones
//! disassociated afterwards, so the endpoint never drops below its two addresses.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_route53resolver::types::{
    IpAddressRequest, IpAddressUpdate, Protocol, ResolverEndpointDirection, ResolverEndpointType,
};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{creation_tags, filter, is_exists, read_tags, string_set, strings, update_tags, PAGE};
use crate::common::{aws_error, is_not_found, opt_str, report_adopted, str_of, wait_status, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct ResolverEndpoint;

type Endpoint = aws_sdk_route53resolver::types::ResolverEndpoint;

const TYPE: &str = "aws_route53_resolver_endpoint";

#[async_trait]
impl AwsResource for ResolverEndpoint {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> ResourceSchema {
        let ip = Block::new()
            .attr("subnet_id", Attribute::required(AttrType::String))
            .attr("ip", Attribute::optional_computed(AttrType::String).describe("assigned from the subnet if unset"))
            .attr("ip_id", Attribute::computed(AttrType::String));
        ResourceSchema::new(
            "A Route 53 Resolver endpoint: at least two IP addresses in two Availability Zones.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("host_vpc_id", Attribute::computed(AttrType::String))
                .attr("name", Attribute::optional(AttrType::String))
                .attr("direction", Attribute::required(AttrType::String).force_new().describe("INBOUND or OUTBOUND"))
                .attr("security_group_ids", Attribute::required(AttrType::set_of(AttrType::String)).force_new())
                .attr(
                    "protocols",
                    Attribute::optional_computed(AttrType::set_of(AttrType::String)).describe("Do53, DoH, DoH-FIPS"),
                )
                .attr(
                    "resolver_endpoint_type",
                    Attribute::optional_computed(AttrType::String).describe("IPV4, IPV6 or DUALSTACK"),
                )
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
                .block("ip_address", BlockType::set(ip).min(2).max(6)),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("direction") || path == &AttrPath::attr("resolver_endpoint_type") {
            match v.as_str() {
                Some(s) => Value::from(s.to_ascii_uppercase()),
                None => v,
            }
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(d) = str_of(config, "direction") {
            if !matches!(d.to_ascii_uppercase().as_str(), "INBOUND" | "OUTBOUND") {
                out.push(
                    Diagnostic::error(format!("direction must be INBOUND or OUTBOUND, not {d:?}"))
                        .code("aws::resolver-direction")
                        .attribute(AttrPath::attr("direction"))
                        .help("INBOUND answers on-prem queries for AWS names; OUTBOUND forwards AWS queries on-prem"),
                );
            }
        }
        let Some(ips) = config.get("ip_address").and_then(Value::as_list) else {
            if config.get("ip_address").is_some_and(|v| !v.is_unknown()) || config.get("ip_address").is_none() {
                out.push(too_few(0));
            }
            return out;
        };
        if ips.len() < 2 {
            out.push(too_few(ips.len()));
        }
        let subnets: Vec<&str> = ips.iter().filter_map(|b| b.get("subnet_id").and_then(Value::as_str)).collect();
        if ips.len() >= 2 && subnets.len() == ips.len() && subnets.iter().all(|s| *s == subnets[0]) {
            out.push(
                Diagnostic::error("a resolver endpoint needs IP addresses in at least two Availability Zones")
                    .code("aws::resolver-endpoint-azs")
                    .attribute(AttrPath::attr("ip_address"))
                    .help("put the ip_address blocks in subnets of two different Availability Zones"),
            );
        }
        for (i, b) in ips.iter().enumerate() {
            if let Some(ip) = b.get("ip").and_then(Value::as_str) {
                if ip.parse::<std::net::Ipv4Addr>().is_err() {
                    out.push(
                        Diagnostic::error(format!("{ip:?} is not an IPv4 address"))
                            .code("aws::invalid-ip")
                            .attribute(AttrPath::attr("ip_address").join_index(i).join_attr("ip"))
                            .help("write it like 10.0.1.100, inside the subnet's CIDR block"),
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
        // ListResolverEndpoints has no ID filter: list them all (few per account) and pick.
        let found: Vec<Endpoint> = list(cx.clients, cx.address, Vec::new())
            .await?
            .into_iter()
            .filter(|e| e.id().is_some_and(|id| prior.contains_key(id)))
            .collect();
        // IP addresses and tags have no batched API: one call each per endpoint, concurrently.
        let prior = &prior;
        let reads = found.iter().map(|e| async move {
            let id = e.id().unwrap_or_default();
            let ips = ip_addresses(cx, id).await?;
            let tags = read_tags(cx, e.arn().unwrap_or_default(), prior.get(id).copied()).await?;
            Ok::<_, Diagnostic>((ips, tags))
        });
        let details = futures_util::future::join_all(reads).await;
        let mut out = BTreeMap::new();
        for (e, d) in found.iter().zip(details) {
            let (ips, (tags, tags_all)) = d?;
            let id = e.id().unwrap_or_default().to_string();
            out.insert(id, to_value(e, &ips, tags, tags_all));
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic> {
        let id = match by_request_id(cx, token).await? {
            Some(id) => {
                report_adopted(cx, &id);
                id
            }
            None => {
                let ips: Vec<IpAddressRequest> = blocks(planned)
                    .iter()
                    .filter_map(|(subnet, ip)| {
                        IpAddressRequest::builder().subnet_id(subnet).set_ip(ip.clone()).build().ok()
                    })
                    .collect();
                let protocols = strings(planned, "protocols");
                let sent = cx
                    .clients
                    .resolver
                    .create_resolver_endpoint()
                    .creator_request_id(token)
                    .set_name(str_of(planned, "name").map(str::to_string))
                    .direction(ResolverEndpointDirection::from(str_of(planned, "direction").unwrap_or_default()))
                    .set_security_group_ids(Some(strings(planned, "security_group_ids")))
                    .set_ip_addresses(Some(ips))
                    .set_protocols(
                        (!protocols.is_empty()).then(|| protocols.iter().map(|p| Protocol::from(p.as_str())).collect()),
                    )
                    .set_resolver_endpoint_type(
                        str_of(planned, "resolver_endpoint_type").map(ResolverEndpointType::from),
                    )
                    .set_tags(Some(creation_tags(cx, planned)))
                    .send()
                    .await;
                match sent {
                    Ok(out) => out.resolver_endpoint().and_then(|e| e.id()).unwrap_or_default().to_string(),
                    // The token was used by a run that crashed between our lookup and now.
                    Err(e) if is_exists(&e) => match by_request_id(cx, token).await? {
                        Some(id) => id,
                        None => return Err(aws_error(cx.address, "CreateResolverEndpoint", e)),
                    },
                    Err(e) => return Err(aws_error(cx.address, "CreateResolverEndpoint", e)),
                }
            }
        };
        wait_operational(cx, &id).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let arn = str_of(prior, "arn").unwrap_or_default().to_string();
        let changed = |k: &str| planned.get(k).is_some_and(|v| v.is_wholly_known()) && planned.get(k) != prior.get(k);
        let protocols_changed = {
            let (mut a, mut b) = (strings(planned, "protocols"), strings(prior, "protocols"));
            a.sort();
            b.sort();
            !a.is_empty() && a != b
        };
        if changed("name") || changed("resolver_endpoint_type") || protocols_changed {
            let protocols = strings(planned, "protocols");
            cx.clients
                .resolver
                .update_resolver_endpoint()
                .resolver_endpoint_id(&id)
                .set_name(changed("name").then(|| str_of(planned, "name").unwrap_or_default().to_string()))
                .set_resolver_endpoint_type(
                    str_of(planned, "resolver_endpoint_type")
                        .filter(|_| changed("resolver_endpoint_type"))
                        .map(ResolverEndpointType::from),
                )
                .set_protocols(
                    protocols_changed.then(|| protocols.iter().map(|p| Protocol::from(p.as_str())).collect()),
                )
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateResolverEndpoint", e))?;
            wait_operational(cx, &id).await?;
        }
        let (add, remove) = ip_changes(prior, planned);
        // New addresses first, then the old ones: the endpoint never has fewer than it needs.
        for (subnet, ip) in &add {
            let update = IpAddressUpdate::builder().subnet_id(subnet).set_ip(ip.clone()).build();
            cx.clients
                .resolver
                .associate_resolver_endpoint_ip_address()
                .resolver_endpoint_id(&id)
                .ip_address(update)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "AssociateResolverEndpointIpAddress", e))?;
            wait_operational(cx, &id).await?;
        }
        for (subnet, ip, ip_id) in &remove {
            let update =
                IpAddressUpdate::builder().subnet_id(subnet).set_ip(ip.clone()).set_ip_id(ip_id.clone()).build();
            match cx
                .clients
                .resolver
                .disassociate_resolver_endpoint_ip_address()
                .resolver_endpoint_id(&id)
                .ip_address(update)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(aws_error(cx.address, "DisassociateResolverEndpointIpAddress", e)),
            }
            wait_operational(cx, &id).await?;
        }
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        match cx.clients.resolver.delete_resolver_endpoint().resolver_endpoint_id(&id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteResolverEndpoint", e)),
        }
        crate::common::wait_gone(cx, TYPE, &id, "resolver endpoint", Duration::from_secs(900), |ids| statuses(cx, ids))
            .await
    }
}

fn too_few(n: usize) -> Diagnostic {
    Diagnostic::error(format!("a resolver endpoint needs at least 2 ip_address blocks, this one has {n}"))
        .code("aws::resolver-endpoint-ips")
        .attribute(AttrPath::attr("ip_address"))
        .help("add one ip_address block per subnet, in at least two Availability Zones")
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "resolver endpoint", id, "ResourceNotFoundException")
}

/// ListResolverEndpoints with filters, all pages.
pub(crate) async fn list(
    clients: &crate::client::Clients,
    address: &str,
    filters: Vec<aws_sdk_route53resolver::types::Filter>,
) -> Result<Vec<Endpoint>, Diagnostic> {
    let mut pages = clients
        .resolver
        .list_resolver_endpoints()
        .set_filters((!filters.is_empty()).then_some(filters))
        .max_results(PAGE)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(address, "ListResolverEndpoints", e))?;
        out.extend(page.resolver_endpoints().iter().cloned());
    }
    Ok(out)
}

/// The endpoint an earlier run created with this `CreatorRequestId`, if any.
async fn by_request_id(cx: &Ctx<'_>, token: &str) -> Result<Option<String>, Diagnostic> {
    let found = list(cx.clients, cx.address, vec![filter("CreatorRequestId", [token])]).await?;
    // Filter again: an emulator may ignore the filter.
    Ok(found.iter().find(|e| e.creator_request_id() == Some(token)).and_then(|e| e.id()).map(str::to_string))
}

/// ListResolverEndpointIpAddresses for one endpoint, all pages.
async fn ip_addresses(
    cx: &Ctx<'_>,
    id: &str,
) -> Result<Vec<aws_sdk_route53resolver::types::IpAddressResponse>, Diagnostic> {
    let mut pages = cx
        .clients
        .resolver
        .list_resolver_endpoint_ip_addresses()
        .resolver_endpoint_id(id)
        .max_results(PAGE)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "ListResolverEndpointIpAddresses", e))?;
        out.extend(page.ip_addresses().iter().cloned());
    }
    Ok(out)
}

/// The status of each endpoint asked about that exists (one List call for all waiters).
async fn statuses(cx: &Ctx<'_>, ids: Vec<String>) -> Result<BTreeMap<String, String>, Diagnostic> {
    Ok(list(cx.clients, cx.address, Vec::new())
        .await?
        .into_iter()
        .filter_map(|e| {
            let id = e.id()?.to_string();
            ids.contains(&id).then(|| (id, e.status().map(|s| s.as_str().to_string()).unwrap_or_default()))
        })
        .collect())
}

async fn wait_operational(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    let address = cx.address.to_string();
    wait_status(
        cx,
        TYPE,
        id,
        &format!("resolver endpoint {id} to become OPERATIONAL"),
        Duration::from_secs(900),
        |ids| statuses(cx, ids),
        |s| match s {
            Some("OPERATIONAL") => Ok(true),
            Some("ACTION_NEEDED" | "AUTO_RECOVERING" | "DELETING") | None => Err(Diagnostic::error(format!(
                "resolver endpoint {id} is {} instead of becoming OPERATIONAL",
                s.unwrap_or("gone")
            ))
            .code("aws::resolver-endpoint-status")
            .address(&address)
            .help("check the subnets, IP addresses and security groups in the Route 53 Resolver console")),
            _ => Ok(false),
        },
    )
    .await
}

/// The planned `ip_address` blocks as `(subnet_id, ip)`.
fn blocks(v: &Value) -> Vec<(String, Option<String>)> {
    v.get("ip_address")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(|b| {
            let subnet = b.get("subnet_id").and_then(Value::as_str)?.to_string();
            Some((subnet, b.get("ip").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)))
        })
        .collect()
}

/// What to associate (`subnet_id`, `ip`) and what to disassociate (`subnet_id`, `ip`, `ip_id`)
/// to bring the endpoint from `prior` to `planned`. A planned block without an IP keeps any
/// current address in its subnet.
#[allow(clippy::type_complexity)]
fn ip_changes(
    prior: &Value,
    planned: &Value,
) -> (Vec<(String, Option<String>)>, Vec<(String, Option<String>, Option<String>)>) {
    let mut have: Vec<(String, Option<String>, Option<String>)> = prior
        .get("ip_address")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(|b| {
            let s = |k: &str| b.get(k).and_then(Value::as_str).map(str::to_string);
            Some((s("subnet_id")?, s("ip"), s("ip_id")))
        })
        .collect();
    let want = blocks(planned);
    let mut add = Vec::new();
    let mut unmatched = Vec::new();
    for (subnet, ip) in want {
        match have.iter().position(|(s, i, _)| *s == subnet && ip.is_some() && *i == ip) {
            Some(p) => {
                have.remove(p);
            }
            None if ip.is_none() => unmatched.push(subnet),
            None => add.push((subnet, ip)),
        }
    }
    for subnet in unmatched {
        match have.iter().position(|(s, _, _)| *s == subnet) {
            Some(p) => {
                have.remove(p);
            }
            None => add.push((subnet, None)),
        }
    }
    (add, have)
}

fn to_value(
    e: &Endpoint,
    ips: &[aws_sdk_route53resolver::types::IpAddressResponse],
    tags: Value,
    tags_all: Value,
) -> Value {
    let mut blocks: Vec<Value> = ips
        .iter()
        .map(|i| {
            Value::map([("subnet_id", opt_str(i.subnet_id())), ("ip", opt_str(i.ip())), ("ip_id", opt_str(i.ip_id()))])
        })
        .collect();
    tether_sdk::plan::sort_set(&mut blocks);
    let protocols = e.protocols().iter().map(|p| p.as_str().to_string());
    Value::map([
        ("id", opt_str(e.id())),
        ("arn", opt_str(e.arn())),
        ("host_vpc_id", opt_str(e.host_vpc_id())),
        ("name", opt_str(e.name().filter(|n| !n.is_empty()))),
        ("direction", opt_str(e.direction().map(|d| d.as_str()))),
        ("security_group_ids", string_set(e.security_group_ids().iter().cloned())),
        ("protocols", if e.protocols().is_empty() { Value::Null } else { string_set(protocols) }),
        ("resolver_endpoint_type", opt_str(e.resolver_endpoint_type().map(|t| t.as_str()))),
        ("tags", tags),
        ("tags_all", tags_all),
        ("ip_address", Value::List(blocks)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(subnet: &str, ip: &str, id: &str) -> Value {
        Value::map([("subnet_id", subnet.into()), ("ip", ip.into()), ("ip_id", id.into())])
    }

    #[test]
    fn ip_changes_add_new_and_remove_old() {
        let prior =
            Value::map([("ip_address", Value::List(vec![ip("a", "10.0.1.100", "r1"), ip("b", "10.0.2.100", "r2")]))]);
        let planned =
            Value::map([("ip_address", Value::List(vec![ip("a", "10.0.1.100", "r1"), ip("b", "10.0.2.101", "r2")]))]);
        let (add, remove) = ip_changes(&prior, &planned);
        assert_eq!(add, vec![("b".to_string(), Some("10.0.2.101".to_string()))]);
        assert_eq!(remove, vec![("b".to_string(), Some("10.0.2.100".to_string()), Some("r2".to_string()))]);
    }

    #[test]
    fn validate_needs_two_ips_in_two_subnets() {
        let r = ResolverEndpoint;
        let one = Value::map([
            ("direction", "INBOUND".into()),
            ("ip_address", Value::List(vec![Value::map([("subnet_id", Value::from("subnet-a"))])])),
        ]);
        assert!(r.validate(&one).iter().any(|d| d.summary.contains("at least 2")));
        let same = Value::map([
            ("direction", "INBOUND".into()),
            (
                "ip_address",
                Value::List(vec![
                    Value::map([("subnet_id", Value::from("subnet-a"))]),
                    Value::map([("subnet_id", Value::from("subnet-a"))]),
                ]),
            ),
        ]);
        assert!(r.validate(&same).iter().any(|d| d.summary.contains("two Availability Zones")));
    }
}
