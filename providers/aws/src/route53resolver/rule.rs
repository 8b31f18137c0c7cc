//! `aws_route53_resolver_rule`: a FORWARD, SYSTEM or RECURSIVE rule for a domain.
//!
//! Route 53 Resolver stores domain names fully qualified (`company.local.`); the canonical form
//! here is lower-case without the trailing dot, both from the stack and from the API, so an
//! unchanged stack re-plans empty.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_route53resolver::types::{Protocol, ResolverRuleConfig, RuleTypeOption, TargetAddress};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{creation_tags, filter, is_exists, read_tags, update_tags, PAGE};
use crate::common::{aws_error, is_not_found, opt_str, report_adopted, str_of, wait_status, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct ResolverRule;

type Rule = aws_sdk_route53resolver::types::ResolverRule;

const TYPE: &str = "aws_route53_resolver_rule";
const DEFAULT_PORT: i64 = 53;

/// `Company.Local.` -> `company.local` (the root `.` stays `.`).
pub fn canonical_domain(s: &str) -> String {
    let d = s.trim().to_ascii_lowercase();
    match d.strip_suffix('.') {
        Some("") | None => d,
        Some(rest) => rest.to_string(),
    }
}

#[async_trait]
impl AwsResource for ResolverRule {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> ResourceSchema {
        let target = Block::new()
            .attr("ip", Attribute::required(AttrType::String))
            .attr("port", Attribute::optional_computed(AttrType::Number).describe("53 if unset"))
            .attr("protocol", Attribute::optional_computed(AttrType::String).describe("Do53, DoH or DoH-FIPS"));
        ResourceSchema::new(
            "A Route 53 Resolver rule: how queries for a domain are resolved.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("owner_id", Attribute::computed(AttrType::String))
                .attr("share_status", Attribute::computed(AttrType::String))
                .attr("domain_name", Attribute::required(AttrType::String).force_new())
                .attr(
                    "rule_type",
                    Attribute::required(AttrType::String).force_new().describe("FORWARD, SYSTEM or RECURSIVE"),
                )
                .attr("resolver_endpoint_id", Attribute::optional(AttrType::String))
                .attr("name", Attribute::optional(AttrType::String))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
                .block("target_ip", BlockType::set(target).max(6)),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("domain_name") {
            match v.as_str() {
                Some(s) => Value::from(canonical_domain(s)),
                None => v,
            }
        } else if path == &AttrPath::attr("rule_type") {
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
        let rule_type = str_of(config, "rule_type").map(str::to_ascii_uppercase);
        if let Some(t) = &rule_type {
            if !matches!(t.as_str(), "FORWARD" | "SYSTEM" | "RECURSIVE") {
                out.push(
                    Diagnostic::error(format!("rule_type must be FORWARD, SYSTEM or RECURSIVE, not {t:?}"))
                        .code("aws::resolver-rule-type")
                        .attribute(AttrPath::attr("rule_type"))
                        .help("FORWARD sends queries for the domain to target_ip addresses"),
                );
            }
        }
        let targets = config.get("target_ip");
        let list = targets.and_then(Value::as_list).unwrap_or(&[]);
        let targets_unknown = targets.is_some_and(Value::is_unknown);
        if rule_type.as_deref() == Some("FORWARD") && list.is_empty() && !targets_unknown {
            out.push(
                Diagnostic::error("a FORWARD rule needs at least one target_ip block")
                    .code("aws::resolver-rule-targets")
                    .attribute(AttrPath::attr("target_ip"))
                    .help("add target_ip { ip = \"192.168.1.53\" } for each on-premises DNS server"),
            );
        }
        for (i, t) in list.iter().enumerate() {
            let at = |k: &str| AttrPath::attr("target_ip").join_index(i).join_attr(k);
            if let Some(ip) = t.get("ip").and_then(Value::as_str) {
                if ip.parse::<std::net::Ipv4Addr>().is_err() {
                    out.push(
                        Diagnostic::error(format!("target ip {ip:?} is not an IPv4 address"))
                            .code("aws::invalid-ip")
                            .attribute(at("ip"))
                            .help("write it like 192.168.1.53"),
                    );
                }
            }
            if let Some(p) = t.get("port").and_then(Value::as_f64) {
                if !(1.0..=65535.0).contains(&p) || p.fract() != 0.0 {
                    out.push(
                        Diagnostic::error(format!("target port {p} is not between 1 and 65535"))
                            .code("aws::invalid-port")
                            .attribute(at("port"))
                            .help("DNS servers listen on 53"),
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
        // ListResolverRules has no ID filter: list them all and pick.
        let found: Vec<Rule> = list(cx.clients, cx.address, Vec::new())
            .await?
            .into_iter()
            .filter(|r| r.id().is_some_and(|id| prior.contains_key(id)))
            .collect();
        let tags = found
            .iter()
            .map(|r| read_tags(cx, r.arn().unwrap_or_default(), r.id().and_then(|id| prior.get(id).copied())));
        let tags = futures_util::future::join_all(tags).await;
        let mut out = BTreeMap::new();
        for (r, t) in found.iter().zip(tags) {
            let (tags, tags_all) = t?;
            out.insert(r.id().unwrap_or_default().to_string(), to_value(r, tags, tags_all));
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
                let targets = targets(planned);
                let sent = cx
                    .clients
                    .resolver
                    .create_resolver_rule()
                    .creator_request_id(token)
                    .set_name(str_of(planned, "name").map(str::to_string))
                    .rule_type(RuleTypeOption::from(str_of(planned, "rule_type").unwrap_or_default()))
                    .domain_name(str_of(planned, "domain_name").unwrap_or_default())
                    .set_target_ips((!targets.is_empty()).then_some(targets))
                    .set_resolver_endpoint_id(str_of(planned, "resolver_endpoint_id").map(str::to_string))
                    .set_tags(Some(creation_tags(cx, planned)))
                    .send()
                    .await;
                match sent {
                    Ok(out) => out.resolver_rule().and_then(|r| r.id()).unwrap_or_default().to_string(),
                    Err(e) if is_exists(&e) => match by_request_id(cx, token).await? {
                        Some(id) => id,
                        None => return Err(aws_error(cx.address, "CreateResolverRule", e)),
                    },
                    Err(e) => return Err(aws_error(cx.address, "CreateResolverRule", e)),
                }
            }
        };
        wait_complete(cx, &id).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let arn = str_of(prior, "arn").unwrap_or_default().to_string();
        let differs = |k: &str| planned.get(k).unwrap_or(&Value::Null) != prior.get(k).unwrap_or(&Value::Null);
        let targets_changed = {
            let (mut a, mut b) = (targets(planned), targets(prior));
            let key = |t: &TargetAddress| {
                (t.ip().map(str::to_string), t.port(), t.protocol().map(|p| p.as_str().to_string()))
            };
            a.sort_by_key(key);
            b.sort_by_key(key);
            a != b
        };
        if differs("name") || differs("resolver_endpoint_id") || targets_changed {
            let mut config = ResolverRuleConfig::builder();
            if differs("name") {
                config = config.name(str_of(planned, "name").unwrap_or_default());
            }
            if differs("resolver_endpoint_id") {
                config = config.set_resolver_endpoint_id(str_of(planned, "resolver_endpoint_id").map(str::to_string));
            }
            if targets_changed {
                config = config.set_target_ips(Some(targets(planned)));
            }
            cx.clients
                .resolver
                .update_resolver_rule()
                .resolver_rule_id(&id)
                .config(config.build())
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateResolverRule", e))?;
            wait_complete(cx, &id).await?;
        }
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        match cx.clients.resolver.delete_resolver_rule().resolver_rule_id(&id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteResolverRule", e)),
        }
        crate::common::wait_gone(cx, TYPE, &id, "resolver rule", Duration::from_secs(600), |ids| statuses(cx, ids))
            .await
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "resolver rule", id, "ResourceNotFoundException")
}

/// The `target_ip` blocks as the API takes them (port 53 when unset).
fn targets(v: &Value) -> Vec<TargetAddress> {
    v.get("target_ip")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| {
            let ip = t.get("ip").and_then(Value::as_str)?;
            let port = t.get("port").and_then(Value::as_i64).unwrap_or(DEFAULT_PORT);
            let protocol = t.get("protocol").and_then(Value::as_str).filter(|s| !s.is_empty()).map(Protocol::from);
            Some(TargetAddress::builder().ip(ip).port(port as i32).set_protocol(protocol).build())
        })
        .collect()
}

/// ListResolverRules with filters, all pages.
pub(crate) async fn list(
    clients: &crate::client::Clients,
    address: &str,
    filters: Vec<aws_sdk_route53resolver::types::Filter>,
) -> Result<Vec<Rule>, Diagnostic> {
    let mut pages = clients
        .resolver
        .list_resolver_rules()
        .set_filters((!filters.is_empty()).then_some(filters))
        .max_results(PAGE)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(address, "ListResolverRules", e))?;
        out.extend(page.resolver_rules().iter().cloned());
    }
    Ok(out)
}

async fn by_request_id(cx: &Ctx<'_>, token: &str) -> Result<Option<String>, Diagnostic> {
    let found = list(cx.clients, cx.address, vec![filter("CreatorRequestId", [token])]).await?;
    Ok(found.iter().find(|r| r.creator_request_id() == Some(token)).and_then(|r| r.id()).map(str::to_string))
}

async fn statuses(cx: &Ctx<'_>, ids: Vec<String>) -> Result<BTreeMap<String, String>, Diagnostic> {
    Ok(list(cx.clients, cx.address, Vec::new())
        .await?
        .into_iter()
        .filter_map(|r| {
            let id = r.id()?.to_string();
            ids.contains(&id).then(|| (id, r.status().map(|s| s.as_str().to_string()).unwrap_or_default()))
        })
        .collect())
}

async fn wait_complete(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    let address = cx.address.to_string();
    wait_status(
        cx,
        TYPE,
        id,
        &format!("resolver rule {id} to become COMPLETE"),
        Duration::from_secs(600),
        |ids| statuses(cx, ids),
        |s| match s {
            Some("COMPLETE") => Ok(true),
            Some("FAILED") | None => Err(Diagnostic::error(format!(
                "resolver rule {id} is {} instead of becoming COMPLETE",
                s.unwrap_or("gone")
            ))
            .code("aws::resolver-rule-status")
            .address(&address)
            .help("check the rule's endpoint and target addresses")),
            _ => Ok(false),
        },
    )
    .await
}

fn to_value(r: &Rule, tags: Value, tags_all: Value) -> Value {
    let mut targets: Vec<Value> = r
        .target_ips()
        .iter()
        .map(|t| {
            Value::map([
                ("ip", opt_str(t.ip())),
                ("port", Value::int(t.port().map(i64::from).unwrap_or(DEFAULT_PORT))),
                ("protocol", opt_str(t.protocol().map(|p| p.as_str()))),
            ])
        })
        .collect();
    tether_sdk::plan::sort_set(&mut targets);
    Value::map([
        ("id", opt_str(r.id())),
        ("arn", opt_str(r.arn())),
        ("owner_id", opt_str(r.owner_id())),
        ("share_status", opt_str(r.share_status().map(|s| s.as_str()))),
        (
            "domain_name",
            opt_str(r.domain_name()).as_str().map(|d| Value::from(canonical_domain(d))).unwrap_or(Value::Null),
        ),
        ("rule_type", opt_str(r.rule_type().map(|t| t.as_str()))),
        ("resolver_endpoint_id", opt_str(r.resolver_endpoint_id().filter(|s| !s.is_empty()))),
        ("name", opt_str(r.name().filter(|n| !n.is_empty()))),
        ("tags", tags),
        ("tags_all", tags_all),
        ("target_ip", if targets.is_empty() { Value::Null } else { Value::List(targets) }),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_compare_without_the_trailing_dot() {
        assert_eq!(canonical_domain("Company.Local."), "company.local");
        assert_eq!(canonical_domain("company.local"), "company.local");
        assert_eq!(canonical_domain("."), ".");
    }

    #[test]
    fn forward_rules_need_valid_targets() {
        let r = ResolverRule;
        let no_targets = Value::map([("rule_type", Value::from("FORWARD")), ("domain_name", "company.local".into())]);
        assert!(r.validate(&no_targets).iter().any(|d| d.summary.contains("target_ip")));
        let bad = Value::map([
            ("rule_type", Value::from("FORWARD")),
            (
                "target_ip",
                Value::List(vec![Value::map([("ip", Value::from("192.168.1.300")), ("port", Value::int(70000))])]),
            ),
        ]);
        let d = r.validate(&bad);
        assert!(d.iter().any(|d| d.summary.contains("not an IPv4")), "{d:?}");
        assert!(d.iter().any(|d| d.summary.contains("65535")), "{d:?}");
    }
}
