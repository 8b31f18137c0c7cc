//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one rule, one
//! peer (an IPv4 CIDR, an IPv6 CIDR, a prefix list or a security group), as in the Terraform AWS
//! provider. Both directions share this implementation.
//!
//! One owner per rule: a group managed by these resources must leave its inline `ingress` /
//! `egress` unset (`aws_security_group` then ignores the rules it does not manage).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroupRuleRequest,
    SecurityGroupRuleUpdate, UserIdGroupPair,
};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, PathStep, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, canonical_cidr, creation_tags, ec2_owned_by_us, filter, i64_of, is_not_found, opt_str, read_tags,
    report_adopted, str_of, tag_spec, update_tags, Ctx,
};
use crate::resource::{read_one, AwsResource};

/// A security group rule resource; `egress` picks the direction.
pub struct SgRule {
    egress: bool,
}

impl SgRule {
    pub const INGRESS: SgRule = SgRule { egress: false };
    pub const EGRESS: SgRule = SgRule { egress: true };

    fn direction(&self) -> &'static str {
        if self.egress {
            "Egress"
        } else {
            "Ingress"
        }
    }
}

/// EC2 accepts at most 200 filter values in one call: larger batches take one call per 200.
pub(crate) const MAX_FILTER_VALUES: usize = 200;

const PEERS: [&str; 4] = ["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"];

/// The form AWS stores a protocol in: names for tcp/udp/icmp/icmpv6, `-1` for all.
pub(crate) fn canonical_protocol(s: &str) -> String {
    let s = s.trim().to_ascii_lowercase();
    match s.as_str() {
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        "all" | "-1" => "-1".into(),
        _ => s,
    }
}

/// Ports mean something only for these protocols (ICMP: type and code).
pub(crate) fn has_ports(proto: &str) -> bool {
    matches!(proto, "tcp" | "udp" | "icmp" | "icmpv6")
}

/// Numbers as integers (a stack may write `443.0`).
pub(crate) fn canonical_int(v: Value) -> Value {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 => Value::int(f as i64),
        _ => v,
    }
}

fn last_attr(path: &AttrPath) -> Option<&str> {
    match path.0.last() {
        Some(PathStep::Attr(a)) => Some(a.as_str()),
        _ => None,
    }
}

/// Checks a protocol and port range. With -1, standalone rules must leave the ports unset;
/// `inline` blocks (whose ports are required) must set them to 0.
pub(crate) fn check_ports(
    proto: &str,
    from: Option<i64>,
    to: Option<i64>,
    inline: bool,
    at: &AttrPath,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let err = |msg: String, code: &str, help: &str| {
        Diagnostic::error(msg).code(format!("aws::{code}")).attribute(at.clone()).help(help.to_string())
    };
    if proto == "-1" {
        let set = if inline {
            from.is_some_and(|p| p != 0) || to.is_some_and(|p| p != 0)
        } else {
            from.is_some() || to.is_some()
        };
        if set {
            out.push(err(
                "protocol -1 (all) covers every port: the port range must not be set".into(),
                "sg-rule-ports",
                if inline { "set from_port and to_port to 0" } else { "remove from_port and to_port" },
            ));
        }
        return out;
    }
    let (lo, hi) = if proto.starts_with("icmp") { (-1, 255) } else { (0, 65535) };
    for (name, p) in [("from_port", from), ("to_port", to)] {
        if let Some(p) = p.filter(|p| !(lo..=hi).contains(p)) {
            out.push(err(
                format!("{name} {p} is outside {lo}-{hi} for protocol {proto}"),
                "sg-rule-ports",
                "use a port between 0 and 65535 (ICMP: a type or code, -1 for all)",
            ));
        }
    }
    if matches!(proto, "tcp" | "udp") {
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                out.push(err(
                    format!("from_port {f} is greater than to_port {t}"),
                    "sg-rule-ports",
                    "write the range low to high",
                ));
            }
        }
        if !inline && (from.is_none() || to.is_none()) {
            out.push(err(
                format!("protocol {proto} needs from_port and to_port"),
                "sg-rule-ports",
                "set both (equal for a single port)",
            ));
        }
    }
    out
}

/// DescribeSecurityGroupRules with a filter over many values (chunked by 200) plus fixed
/// filters, all pages.
pub(crate) async fn describe_rules(
    cx: &Ctx<'_>,
    name: &str,
    values: &[String],
) -> Result<Vec<aws_sdk_ec2::types::SecurityGroupRule>, Diagnostic> {
    let mut out = Vec::new();
    for chunk in values.chunks(MAX_FILTER_VALUES) {
        let filters: Vec<Filter> = vec![filter(name, chunk.iter().cloned())];
        let mut pages = cx
            .clients
            .ec2
            .describe_security_group_rules()
            .set_filters(Some(filters))
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error(cx.address, "DescribeSecurityGroupRules", e))?;
            out.extend(page.security_group_rules().iter().cloned());
        }
    }
    Ok(out)
}

/// One rule as an IpPermission (one peer).
#[allow(clippy::too_many_arguments)]
pub(crate) fn permission(
    proto: &str,
    from: Option<i64>,
    to: Option<i64>,
    cidr_ipv4: Option<&str>,
    cidr_ipv6: Option<&str>,
    prefix_list: Option<&str>,
    group: Option<&str>,
    description: Option<&str>,
) -> IpPermission {
    let desc = || description.map(str::to_string);
    let mut p = IpPermission::builder().ip_protocol(proto);
    if proto != "-1" && has_ports(proto) {
        p = p.set_from_port(from.map(|n| n as i32)).set_to_port(to.map(|n| n as i32));
    }
    if let Some(c) = cidr_ipv4 {
        p = p.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc()).build());
    }
    if let Some(c) = cidr_ipv6 {
        p = p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(desc()).build());
    }
    if let Some(pl) = prefix_list {
        p = p.prefix_list_ids(PrefixListId::builder().prefix_list_id(pl).set_description(desc()).build());
    }
    if let Some(g) = group {
        p = p.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(desc()).build());
    }
    p.build()
}

/// The request form of a rule, for ModifySecurityGroupRules (which replaces the whole rule).
pub(crate) fn rule_request(
    r: &aws_sdk_ec2::types::SecurityGroupRule,
    description: Option<&str>,
) -> SecurityGroupRuleRequest {
    SecurityGroupRuleRequest::builder()
        .set_ip_protocol(r.ip_protocol().map(str::to_string))
        .set_from_port(r.from_port())
        .set_to_port(r.to_port())
        .set_cidr_ipv4(r.cidr_ipv4().map(str::to_string))
        .set_cidr_ipv6(r.cidr_ipv6().map(str::to_string))
        .set_prefix_list_id(r.prefix_list_id().map(str::to_string))
        .set_referenced_group_id(r.referenced_group_info().and_then(|g| g.group_id()).map(str::to_string))
        .description(description.unwrap_or_default())
        .build()
}

/// Sets rule descriptions in place with one ModifySecurityGroupRules call per group.
pub(crate) async fn modify_descriptions(
    cx: &Ctx<'_>,
    group_id: &str,
    changes: &[(&aws_sdk_ec2::types::SecurityGroupRule, Option<&str>)],
) -> Result<(), Diagnostic> {
    if changes.is_empty() {
        return Ok(());
    }
    let updates: Vec<SecurityGroupRuleUpdate> = changes
        .iter()
        .map(|(r, d)| {
            SecurityGroupRuleUpdate::builder()
                .set_security_group_rule_id(r.security_group_rule_id().map(str::to_string))
                .security_group_rule(rule_request(r, *d))
                .build()
        })
        .collect();
    cx.clients
        .ec2
        .modify_security_group_rules()
        .group_id(group_id)
        .set_security_group_rules(Some(updates))
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "ModifySecurityGroupRules", e))?;
    Ok(())
}

/// A rule's ownership tag (`tether:address`), if tether created it.
pub(crate) fn owner_address(r: &aws_sdk_ec2::types::SecurityGroupRule) -> Option<&str> {
    r.tags().iter().find(|t| t.key() == Some(tether_sdk::TAG_ADDRESS)).and_then(|t| t.value())
}

/// The canonical ports of a rule read from AWS (null for protocols without ports).
pub(crate) fn rule_ports(r: &aws_sdk_ec2::types::SecurityGroupRule) -> (Option<i64>, Option<i64>) {
    let proto = canonical_protocol(r.ip_protocol().unwrap_or("-1"));
    if proto == "-1" || !has_ports(&proto) {
        (None, None)
    } else {
        (r.from_port().map(i64::from), r.to_port().map(i64::from))
    }
}

/// What identifies a rule inside its group: direction, protocol, ports and peer.
fn same_rule(r: &aws_sdk_ec2::types::SecurityGroupRule, egress: bool, planned: &Value) -> bool {
    let proto = canonical_protocol(str_of(planned, "ip_protocol").unwrap_or("-1"));
    let (from, to) = if proto == "-1" || !has_ports(&proto) {
        (None, None)
    } else {
        (i64_of(planned, "from_port"), i64_of(planned, "to_port"))
    };
    let cidr4 = str_of(planned, "cidr_ipv4").map(|c| canonical_cidr(Value::from(c)));
    let cidr6 = str_of(planned, "cidr_ipv6").map(|c| canonical_cidr(Value::from(c)));
    r.is_egress() == Some(egress)
        && canonical_protocol(r.ip_protocol().unwrap_or("-1")) == proto
        && rule_ports(r) == (from, to)
        && r.cidr_ipv4().map(|c| canonical_cidr(Value::from(c))) == cidr4
        && r.cidr_ipv6().map(|c| canonical_cidr(Value::from(c))) == cidr6
        && r.prefix_list_id() == str_of(planned, "prefix_list_id")
        && r.referenced_group_info().and_then(|g| g.group_id()) == str_of(planned, "referenced_security_group_id")
}

#[async_trait]
impl AwsResource for SgRule {
    fn type_name(&self) -> &'static str {
        if self.egress {
            "aws_vpc_security_group_egress_rule"
        } else {
            "aws_vpc_security_group_ingress_rule"
        }
    }

    fn schema(&self) -> ResourceSchema {
        let s = |required: bool| {
            if required {
                Attribute::required(AttrType::String)
            } else {
                Attribute::optional(AttrType::String)
            }
        };
        ResourceSchema::new(
            format!("One {} rule of a VPC security group, with one peer.", self.direction().to_lowercase()),
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("security_group_rule_id", Attribute::computed(AttrType::String))
                .attr("security_group_id", s(true).force_new())
                .attr("ip_protocol", s(true).force_new().describe("tcp, udp, icmp, icmpv6, a number, or -1 (all)"))
                .attr("from_port", Attribute::optional(AttrType::Number).force_new())
                .attr("to_port", Attribute::optional(AttrType::Number).force_new())
                .attr("cidr_ipv4", s(false).force_new())
                .attr("cidr_ipv6", s(false).force_new())
                .attr("prefix_list_id", s(false).force_new())
                .attr("referenced_security_group_id", s(false).force_new())
                .attr("description", s(false))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path.0.len() != 1 {
            return v;
        }
        match last_attr(path) {
            Some("ip_protocol") => match v.as_str() {
                Some(s) => Value::from(canonical_protocol(s)),
                None => v,
            },
            Some("cidr_ipv4" | "cidr_ipv6") => canonical_cidr(v),
            Some("from_port" | "to_port") => canonical_int(v),
            Some("description") if v.as_str() == Some("") => Value::Null,
            _ => v,
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let set: Vec<&str> = PEERS.iter().copied().filter(|p| config.get(p).is_some_and(|v| !v.is_null())).collect();
        if set.len() != 1 {
            out.push(
                Diagnostic::error(if set.is_empty() {
                    "a security group rule needs one peer".to_string()
                } else {
                    format!("a security group rule takes exactly one peer, not {}", set.join(", "))
                })
                .code("aws::sg-rule-peer")
                .help("set exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id; write one rule per peer"),
            );
        }
        for (k, v4) in [("cidr_ipv4", true), ("cidr_ipv6", false)] {
            if let Some(c) = str_of(config, k) {
                let ok = if v4 { c.parse::<ipnet::Ipv4Net>().is_ok() } else { c.parse::<ipnet::Ipv6Net>().is_ok() };
                if !ok {
                    out.push(
                        Diagnostic::error(format!("{c:?} is not an {} CIDR block", if v4 { "IPv4" } else { "IPv6" }))
                            .code("aws::invalid-cidr")
                            .attribute(AttrPath::attr(k))
                            .help(if v4 { "write it like 10.0.0.0/16" } else { "write it like 2001:db8::/32" }),
                    );
                }
            }
        }
        if let Some(p) = config.get("ip_protocol").and_then(Value::as_str) {
            let proto = canonical_protocol(p);
            let port = |k: &str| config.get(k).and_then(Value::as_f64).map(|f| f as i64);
            let ports_known = ["from_port", "to_port"].iter().all(|k| !config.get(k).is_some_and(Value::is_unknown));
            if ports_known {
                out.extend(check_ports(
                    &proto,
                    port("from_port"),
                    port("to_port"),
                    false,
                    &AttrPath::attr("from_port"),
                ));
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        // Filtering by rule ID (rather than SecurityGroupRuleIds) makes missing IDs absent
        // instead of failing the whole call.
        let rules = describe_rules(cx, "security-group-rule-id", &ids).await?;
        let mut out = BTreeMap::new();
        for r in rules.iter().filter(|r| r.is_egress() == Some(self.egress)) {
            let id = r.security_group_rule_id().unwrap_or_default().to_string();
            let value = to_value(cx, r, prior.get(id.as_str()).copied());
            out.insert(id, value);
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let ec2 = &cx.clients.ec2;
        let group = str_of(planned, "security_group_id").unwrap_or_default().to_string();
        let in_group = describe_rules(cx, "group-id", std::slice::from_ref(&group)).await?;
        let owned = |r: &&aws_sdk_ec2::types::SecurityGroupRule| {
            r.is_egress() == Some(self.egress) && ec2_owned_by_us(cx, r.tags()) && same_rule(r, self.egress, planned)
        };
        // A run that crashed after Authorize left a rule tagged with this address: adopt it.
        let id = if let Some(r) = in_group.iter().find(owned) {
            let id = r.security_group_rule_id().unwrap_or_default().to_string();
            report_adopted(cx, &id);
            id
        } else {
            let proto = canonical_protocol(str_of(planned, "ip_protocol").unwrap_or("-1"));
            let cidr4 = str_of(planned, "cidr_ipv4").map(|c| canonical_cidr(Value::from(c)));
            let cidr6 = str_of(planned, "cidr_ipv6").map(|c| canonical_cidr(Value::from(c)));
            let perm = permission(
                &proto,
                i64_of(planned, "from_port"),
                i64_of(planned, "to_port"),
                cidr4.as_ref().and_then(Value::as_str),
                cidr6.as_ref().and_then(Value::as_str),
                str_of(planned, "prefix_list_id"),
                str_of(planned, "referenced_security_group_id"),
                str_of(planned, "description"),
            );
            let tags = tag_spec(ResourceType::SecurityGroupRule, creation_tags(cx, planned));
            let sent = if self.egress {
                ec2.authorize_security_group_egress()
                    .group_id(&group)
                    .ip_permissions(perm)
                    .tag_specifications(tags)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error(cx.address, "AuthorizeSecurityGroupEgress", e))
            } else {
                ec2.authorize_security_group_ingress()
                    .group_id(&group)
                    .ip_permissions(perm)
                    .tag_specifications(tags)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_error(cx.address, "AuthorizeSecurityGroupIngress", e))
            };
            if let Err(d) = sent {
                return Err(if d.summary.contains("Duplicate") {
                    d.help(
                        "the group already has this rule (same protocol, ports and peer): one owner per rule; \
                            remove the inline rule or the other resource, or import the existing rule",
                    )
                } else {
                    d
                });
            }
            // The emulator's response lists only one of the created rules: read the ID back.
            let after = describe_rules(cx, "group-id", std::slice::from_ref(&group)).await?;
            let found = after
                .iter()
                .find(owned)
                .or_else(|| after.iter().find(|r| owner_address(r).is_none() && same_rule(r, self.egress, planned)));
            match found.and_then(|r| r.security_group_rule_id()) {
                Some(id) => id.to_string(),
                None => return Err(vanished(cx, &group)),
            }
        };
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let group = str_of(prior, "security_group_id").unwrap_or_default().to_string();
        if str_of(prior, "description") != str_of(planned, "description") {
            let rules = describe_rules(cx, "security-group-rule-id", std::slice::from_ref(&id)).await?;
            let rule = rules.first().ok_or_else(|| vanished(cx, &id))?;
            modify_descriptions(cx, &group, &[(rule, str_of(planned, "description"))]).await?;
        }
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        let group = str_of(prior, "security_group_id").unwrap_or_default();
        revoke_ids(cx, group, self.egress, vec![id.to_string()]).await
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    Diagnostic::error(format!("security group rule in {id} not found right after it was created or changed"))
        .code("aws::InvalidSecurityGroupRuleId.NotFound")
        .address(cx.address)
}

fn to_value(cx: &Ctx<'_>, r: &aws_sdk_ec2::types::SecurityGroupRule, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(r.tags(), cx.default_tags, prior);
    let id = r.security_group_rule_id().unwrap_or_default();
    let owner = r.group_owner_id().unwrap_or_default();
    let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
    let arn = r
        .security_group_rule_arn()
        .map(str::to_string)
        .unwrap_or_else(|| format!("arn:aws:ec2:{region}:{owner}:security-group-rule/{id}"));
    let (from, to) = rule_ports(r);
    let port = |p: Option<i64>| p.map(Value::int).unwrap_or(Value::Null);
    Value::map([
        ("id", Value::from(id)),
        ("security_group_rule_id", Value::from(id)),
        ("arn", Value::from(arn)),
        ("security_group_id", opt_str(r.group_id())),
        ("ip_protocol", Value::from(canonical_protocol(r.ip_protocol().unwrap_or("-1")))),
        ("from_port", port(from)),
        ("to_port", port(to)),
        ("cidr_ipv4", r.cidr_ipv4().map(|c| canonical_cidr(Value::from(c))).unwrap_or(Value::Null)),
        ("cidr_ipv6", r.cidr_ipv6().map(|c| canonical_cidr(Value::from(c))).unwrap_or(Value::Null)),
        ("prefix_list_id", opt_str(r.prefix_list_id())),
        ("referenced_security_group_id", opt_str(r.referenced_group_info().and_then(|g| g.group_id()))),
        ("description", opt_str(r.description())),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}

/// Revokes rules of a group by rule ID; rules already gone count as revoked.
pub(crate) async fn revoke_ids(cx: &Ctx<'_>, group_id: &str, egress: bool, ids: Vec<String>) -> Result<(), Diagnostic> {
    if ids.is_empty() {
        return Ok(());
    }
    let ec2 = &cx.clients.ec2;
    let r = if egress {
        ec2.revoke_security_group_egress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(ids))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| (is_not_found(&e), aws_error(cx.address, "RevokeSecurityGroupEgress", e)))
    } else {
        ec2.revoke_security_group_ingress()
            .group_id(group_id)
            .set_security_group_rule_ids(Some(ids))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| (is_not_found(&e), aws_error(cx.address, "RevokeSecurityGroupIngress", e)))
    };
    match r {
        Ok(()) | Err((true, _)) => Ok(()),
        Err((false, d)) => Err(d),
    }
}
