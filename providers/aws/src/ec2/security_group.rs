//! `aws_security_group`, with optional inline `ingress` / `egress` rules.
//!
//! Who owns the rules: when the stack declares `ingress` (or `egress`) blocks, the group owns
//! that direction's rules and brings AWS to exactly those blocks (Authorize / Revoke /
//! ModifySecurityGroupRules for descriptions). When it leaves a direction unset, the group does
//! not manage it: the rules are neither read nor reported as drift, so standalone
//! `aws_vpc_security_group_*_rule` resources can own them. Rules tagged by another tether
//! address (standalone rule resources) are ignored even in a managed direction. Never declare
//! inline rules on a group that standalone rule resources also target.
//!
//! As in the Terraform AWS provider, AWS's default allow-all egress rule is removed when the
//! group is created: declare it (inline or as a rule resource) if wanted.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::ResourceType;
use tether_sdk::{
    AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, PathStep, ReadItem, ResourceSchema, Value,
};

use super::sg_rule::{
    canonical_int, canonical_protocol, check_ports, describe_rules, has_ports, modify_descriptions, owner_address,
    permission, revoke_ids, rule_ports, MAX_FILTER_VALUES,
};
use crate::common::{
    aws_error, bool_of, canonical_cidr, creation_tags, filter, is_not_found, opt_str, owned_filter, read_tags,
    report_adopted, str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::resource::{read_one, AwsResource};

pub struct SecurityGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by tether";
const DIRECTIONS: [(&str, bool); 2] = [("ingress", false), ("egress", true)];
const LISTS: [&str; 4] = ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups"];

type SgRuleAws = aws_sdk_ec2::types::SecurityGroupRule;
/// Protocol, ports and description: the rules one inline block can hold.
type GroupKey = (String, i64, i64, Option<String>);

fn rule_block() -> Block {
    let set = || Attribute::optional(AttrType::set_of(AttrType::String));
    Block::new()
        .attr("from_port", Attribute::required(AttrType::Number))
        .attr("to_port", Attribute::required(AttrType::Number))
        .attr("protocol", Attribute::required(AttrType::String).describe("tcp, udp, icmp, icmpv6, a number, or -1"))
        .attr("cidr_blocks", set())
        .attr("ipv6_cidr_blocks", set())
        .attr("prefix_list_ids", set())
        .attr("security_groups", set())
        .attr("self", Attribute::optional(AttrType::Bool))
        .attr("description", Attribute::optional(AttrType::String))
}

/// One AWS rule inside a group: protocol, ports and a single peer. Description aside.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    proto: String,
    from: i64,
    to: i64,
    /// `cidr_blocks`, `ipv6_cidr_blocks`, `prefix_list_ids` or `security_groups`.
    kind: &'static str,
    peer: String,
}

fn block_ports(proto: &str, from: Option<i64>, to: Option<i64>) -> (i64, i64) {
    if proto == "-1" || !has_ports(proto) {
        (0, 0)
    } else {
        (from.unwrap_or(0), to.unwrap_or(0))
    }
}

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k).and_then(Value::as_list).unwrap_or(&[]).iter().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

/// The AWS rules an inline block stands for.
fn expand(block: &Value, own_id: &str) -> Vec<(Key, Option<String>)> {
    let proto = canonical_protocol(str_of(block, "protocol").unwrap_or("-1"));
    let num = |k: &str| block.get(k).and_then(Value::as_f64).map(|f| f as i64);
    let (from, to) = block_ports(&proto, num("from_port"), num("to_port"));
    let desc = str_of(block, "description").map(str::to_string);
    let mut out = Vec::new();
    for kind in LISTS {
        for peer in strings(block, kind) {
            let peer = match kind {
                "cidr_blocks" | "ipv6_cidr_blocks" => {
                    canonical_cidr(Value::from(peer.as_str())).as_str().unwrap_or(&peer).to_string()
                }
                _ => peer,
            };
            out.push((Key { proto: proto.clone(), from, to, kind, peer }, desc.clone()));
        }
    }
    if bool_of(block, "self") == Some(true) {
        out.push((Key { proto, from, to, kind: "security_groups", peer: own_id.to_string() }, desc));
    }
    out
}

fn key_of(r: &SgRuleAws) -> Option<Key> {
    let proto = canonical_protocol(r.ip_protocol().unwrap_or("-1"));
    let (f, t) = rule_ports(r);
    let (from, to) = block_ports(&proto, f, t);
    let (kind, peer) = if let Some(c) = r.cidr_ipv4() {
        ("cidr_blocks", canonical_cidr(Value::from(c)).as_str().unwrap_or(c).to_string())
    } else if let Some(c) = r.cidr_ipv6() {
        ("ipv6_cidr_blocks", canonical_cidr(Value::from(c)).as_str().unwrap_or(c).to_string())
    } else if let Some(p) = r.prefix_list_id() {
        ("prefix_list_ids", p.to_string())
    } else {
        ("security_groups", r.referenced_group_info().and_then(|g| g.group_id())?.to_string())
    };
    Some(Key { proto, from, to, kind, peer })
}

/// An inline block in canonical form (the shape `canonicalize` gives a stack's block).
fn block_value(
    proto: &str,
    from: i64,
    to: i64,
    desc: Option<&str>,
    peers: &[(&'static str, String)],
    own_id: &str,
) -> Value {
    let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut is_self = false;
    for (kind, peer) in peers {
        if *kind == "security_groups" && peer == own_id {
            is_self = true;
        } else {
            lists.entry(kind).or_default().push(Value::from(peer.as_str()));
        }
    }
    let mut m = BTreeMap::new();
    m.insert("protocol".to_string(), Value::from(proto));
    m.insert("from_port".to_string(), Value::int(from));
    m.insert("to_port".to_string(), Value::int(to));
    for kind in LISTS {
        let v = match lists.remove(kind) {
            Some(mut items) => {
                tether_sdk::plan::sort_set(&mut items);
                Value::List(items)
            }
            None => Value::Null,
        };
        m.insert(kind.to_string(), v);
    }
    m.insert("self".to_string(), if is_self { Value::Bool(true) } else { Value::Null });
    m.insert("description".to_string(), opt_str(desc));
    Value::Map(m)
}

/// Rules a group manages in one direction: not owned by another tether address.
fn managed<'r>(rules: &'r [SgRuleAws], egress: bool, address: &str) -> Vec<&'r SgRuleAws> {
    rules.iter().filter(|r| r.is_egress() == Some(egress) && owner_address(r).is_none_or(|a| a == address)).collect()
}

/// Rebuilds a direction's blocks from AWS, keeping the stack's grouping where AWS still matches
/// it (so an unchanged stack re-plans empty) and grouping the rest by protocol, ports and
/// description.
fn read_blocks(rules: &[&SgRuleAws], prior_blocks: &[Value], own_id: &str) -> Value {
    let mut remaining: BTreeMap<Key, Option<String>> = rules
        .iter()
        .filter_map(|r| Some((key_of(r)?, r.description().filter(|d| !d.is_empty()).map(str::to_string))))
        .collect();
    let mut out = Vec::new();
    for pb in prior_blocks.iter().filter(|b| b.is_wholly_known()) {
        let atoms = expand(pb, own_id);
        if !atoms.is_empty() && atoms.iter().all(|(k, d)| remaining.get(k) == Some(d)) {
            for (k, _) in &atoms {
                remaining.remove(k);
            }
            out.push(pb.clone());
        }
    }
    let mut groups: BTreeMap<GroupKey, Vec<(&'static str, String)>> = BTreeMap::new();
    for (k, d) in remaining {
        groups.entry((k.proto, k.from, k.to, d)).or_default().push((k.kind, k.peer));
    }
    for ((proto, from, to, d), peers) in groups {
        out.push(block_value(&proto, from, to, d.as_deref(), &peers, own_id));
    }
    tether_sdk::plan::sort_set(&mut out);
    Value::List(out)
}

/// Brings one direction's rules to `want` (the planned blocks): authorize what is missing,
/// revoke what is not wanted, fix descriptions in place.
async fn sync(
    cx: &Ctx<'_>,
    group_id: &str,
    egress: bool,
    current: &[&SgRuleAws],
    want: &[Value],
) -> Result<(), Diagnostic> {
    let want: BTreeMap<Key, Option<String>> = want.iter().flat_map(|b| expand(b, group_id)).collect();
    let have: BTreeMap<Key, &SgRuleAws> = current.iter().filter_map(|r| Some((key_of(r)?, *r))).collect();
    let add: Vec<_> = want
        .iter()
        .filter(|(k, _)| !have.contains_key(*k))
        .map(|(k, d)| {
            let (from, to) = (Some(k.from), Some(k.to));
            let peer = Some(k.peer.as_str());
            match k.kind {
                "cidr_blocks" => permission(&k.proto, from, to, peer, None, None, None, d.as_deref()),
                "ipv6_cidr_blocks" => permission(&k.proto, from, to, None, peer, None, None, d.as_deref()),
                "prefix_list_ids" => permission(&k.proto, from, to, None, None, peer, None, d.as_deref()),
                _ => permission(&k.proto, from, to, None, None, None, peer, d.as_deref()),
            }
        })
        .collect();
    let revoke: Vec<String> = have
        .iter()
        .filter(|(k, _)| !want.contains_key(*k))
        .filter_map(|(_, r)| r.security_group_rule_id().map(str::to_string))
        .collect();
    let describe: Vec<(&SgRuleAws, Option<&str>)> = have
        .iter()
        .filter_map(|(k, r)| {
            let d = want.get(k)?;
            (r.description().filter(|s| !s.is_empty()) != d.as_deref()).then_some((*r, d.as_deref()))
        })
        .collect();
    let ec2 = &cx.clients.ec2;
    // Authorize before revoking, so a changed rule never leaves a gap.
    if !add.is_empty() {
        let r = if egress {
            ec2.authorize_security_group_egress()
                .group_id(group_id)
                .set_ip_permissions(Some(add))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error(cx.address, "AuthorizeSecurityGroupEgress", e))
        } else {
            ec2.authorize_security_group_ingress()
                .group_id(group_id)
                .set_ip_permissions(Some(add))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error(cx.address, "AuthorizeSecurityGroupIngress", e))
        };
        r.map_err(|d| {
            if d.summary.contains("Duplicate") {
                d.help(
                    "the group already has one of these rules, probably from a standalone rule resource: \
                        one owner per rule, never mix inline rules with aws_vpc_security_group_*_rule on a group",
                )
            } else {
                d
            }
        })?;
    }
    revoke_ids(cx, group_id, egress, revoke).await?;
    modify_descriptions(cx, group_id, &describe).await
}

/// DescribeSecurityGroups with a filter over many values (chunked by 200) plus fixed filters.
async fn describe(
    cx: &Ctx<'_>,
    mut filters: Vec<aws_sdk_ec2::types::Filter>,
    ids: Option<&[String]>,
) -> Result<Vec<aws_sdk_ec2::types::SecurityGroup>, Diagnostic> {
    let chunks: Vec<Option<&[String]>> = match ids {
        Some(ids) => ids.chunks(MAX_FILTER_VALUES).map(Some).collect(),
        None => vec![None],
    };
    let mut out = Vec::new();
    for chunk in chunks {
        let mut f = std::mem::take(&mut filters);
        if let Some(c) = chunk {
            f.push(filter("group-id", c.iter().cloned()));
        }
        let mut pages = cx
            .clients
            .ec2
            .describe_security_groups()
            .set_filters(Some(f.clone()))
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error(cx.address, "DescribeSecurityGroups", e))?;
            out.extend(page.security_groups().iter().cloned());
        }
        if chunk.is_some() {
            f.pop();
        }
        filters = f;
    }
    Ok(out)
}

fn is_managed(prior: &Value, dir: &str) -> bool {
    prior.get(dir).is_some_and(|v| !v.is_null())
}

#[async_trait]
impl AwsResource for SecurityGroup {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A VPC security group. Inline ingress/egress blocks, when declared, own that direction's rules.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("owner_id", Attribute::computed(AttrType::String))
                .attr("name", Attribute::optional_computed(AttrType::String).force_new())
                .attr("name_prefix", Attribute::optional(AttrType::String).force_new())
                .attr(
                    "description",
                    Attribute::optional_computed(AttrType::String)
                        .force_new()
                        .describe(format!("default \"{DEFAULT_DESCRIPTION}\"")),
                )
                .attr("vpc_id", Attribute::optional_computed(AttrType::String).force_new())
                .attr("revoke_rules_on_delete", Attribute::optional(AttrType::Bool))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
                .block("ingress", BlockType::set(rule_block()))
                .block("egress", BlockType::set(rule_block())),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        let [PathStep::Attr(dir), PathStep::Index(_), PathStep::Attr(name)] = path.0.as_slice() else {
            return v;
        };
        if dir != "ingress" && dir != "egress" {
            return v;
        }
        match name.as_str() {
            "protocol" => match v.as_str() {
                Some(s) => Value::from(canonical_protocol(s)),
                None => v,
            },
            "from_port" | "to_port" => canonical_int(v),
            "cidr_blocks" | "ipv6_cidr_blocks" | "prefix_list_ids" | "security_groups" => match v {
                Value::List(items) if items.is_empty() => Value::Null,
                Value::List(items) if name.contains("cidr") => {
                    Value::List(items.into_iter().map(canonical_cidr).collect())
                }
                other => other,
            },
            "self" if v.as_bool() == Some(false) => Value::Null,
            "description" if v.as_str() == Some("") => Value::Null,
            _ => v,
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if str_of(config, "name").is_some() && str_of(config, "name_prefix").is_some() {
            out.push(
                Diagnostic::error("name and name_prefix are mutually exclusive")
                    .code("aws::sg-name")
                    .attribute(AttrPath::attr("name_prefix"))
                    .help("set one of them"),
            );
        }
        if str_of(config, "name").is_some_and(|n| n.to_ascii_lowercase().starts_with("sg-")) {
            out.push(
                Diagnostic::error("a security group name cannot start with \"sg-\"")
                    .code("aws::sg-name")
                    .attribute(AttrPath::attr("name"))
                    .help("AWS reserves the sg- prefix for group IDs"),
            );
        }
        for (dir, _) in DIRECTIONS {
            for (i, b) in config.get(dir).and_then(Value::as_list).unwrap_or(&[]).iter().enumerate() {
                let at = AttrPath::attr(dir).join_index(i);
                let Some(p) = b.get("protocol").and_then(Value::as_str) else { continue };
                let num = |k: &str| b.get(k).and_then(Value::as_f64).map(|f| f as i64);
                if !["from_port", "to_port"].iter().any(|k| b.get(k).is_some_and(Value::is_unknown)) {
                    out.extend(check_ports(&canonical_protocol(p), num("from_port"), num("to_port"), true, &at));
                }
                let has_peer = LISTS
                    .iter()
                    .any(|k| b.get(k).is_some_and(|v| v.is_unknown() || v.as_list().is_some_and(|l| !l.is_empty())))
                    || b.get("self").is_some_and(|v| v.is_unknown() || v.as_bool() == Some(true));
                if !has_peer {
                    out.push(
                        Diagnostic::error(format!("this {dir} rule has no peer"))
                            .code("aws::sg-rule-peer")
                            .attribute(at.clone())
                            .help("set cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, security_groups or self = true"),
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
        let by_id: BTreeMap<&str, &ReadItem> = items.iter().map(|i| (i.id.as_str(), i)).collect();
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        // Filtering by group-id (rather than GroupIds) makes missing IDs simply absent.
        let groups = describe(cx, Vec::new(), Some(&ids)).await?;
        // Rules only for groups that own some (one batched call for all of them).
        let owning: Vec<String> = items
            .iter()
            .filter(|i| DIRECTIONS.iter().any(|(d, _)| is_managed(&i.prior, d)))
            .map(|i| i.id.clone())
            .collect();
        let rules = if owning.is_empty() { Vec::new() } else { describe_rules(cx, "group-id", &owning).await? };
        let mut rules_by_group: BTreeMap<String, Vec<SgRuleAws>> = BTreeMap::new();
        for r in rules {
            rules_by_group.entry(r.group_id().unwrap_or_default().to_string()).or_default().push(r);
        }
        let mut out = BTreeMap::new();
        for g in &groups {
            let id = g.group_id().unwrap_or_default().to_string();
            let Some(item) = by_id.get(id.as_str()) else { continue };
            let rules = rules_by_group.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            out.insert(id, to_value(cx, g, &item.prior, rules, &item.address));
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic> {
        let ec2 = &cx.clients.ec2;
        // A run that crashed after CreateSecurityGroup left a group tagged with this address.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address), None).await?;
        let id = match existing.first().and_then(|g| g.group_id()) {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                // The name derives from the idempotency token: a re-run asks for the same one.
                let name = match str_of(planned, "name") {
                    Some(n) => n.to_string(),
                    None => format!(
                        "{}{}",
                        str_of(planned, "name_prefix").unwrap_or("tether-"),
                        &token[..token.len().min(26)]
                    ),
                };
                let out = ec2
                    .create_security_group()
                    .group_name(name)
                    .description(str_of(planned, "description").unwrap_or(DEFAULT_DESCRIPTION))
                    .set_vpc_id(str_of(planned, "vpc_id").map(str::to_string))
                    .tag_specifications(tag_spec(ResourceType::SecurityGroup, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateSecurityGroup", e))?;
                out.group_id().unwrap_or_default().to_string()
            }
        };
        // Inline rules; an unset egress still drops AWS's default allow-all rule (as Terraform).
        let rules = describe_rules(cx, "group-id", std::slice::from_ref(&id)).await?;
        for (dir, egress) in DIRECTIONS {
            let want = planned.get(dir).and_then(Value::as_list);
            if want.is_some() || egress {
                let current = managed(&rules, egress, cx.address);
                sync(cx, &id, egress, &current, want.unwrap_or(&[])).await?;
            }
        }
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        if DIRECTIONS.iter().any(|(d, _)| is_managed(planned, d)) {
            let rules = describe_rules(cx, "group-id", std::slice::from_ref(&id)).await?;
            for (dir, egress) in DIRECTIONS {
                if let Some(want) = planned.get(dir).and_then(Value::as_list) {
                    let current = managed(&rules, egress, cx.address);
                    sync(cx, &id, egress, &current, want).await?;
                }
            }
        }
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        if bool_of(prior, "revoke_rules_on_delete") == Some(true) {
            // Every rule, whoever owns it: this breaks reference cycles between groups.
            let rules = describe_rules(cx, "group-id", std::slice::from_ref(&id)).await?;
            for egress in [false, true] {
                let ids = rules
                    .iter()
                    .filter(|r| r.is_egress() == Some(egress))
                    .filter_map(|r| r.security_group_rule_id().map(str::to_string))
                    .collect();
                revoke_ids(cx, &id, egress, ids).await?;
            }
        }
        // A group still attached to network interfaces being deleted fails with
        // DependencyViolation for a while: retry (Terraform waits up to 15 minutes).
        wait_for(cx, &format!("security group {id} to be released"), Duration::from_secs(900), || async {
            match cx.clients.ec2.delete_security_group().group_id(&id).send().await {
                Ok(_) => Ok(Some(())),
                Err(e) if is_not_found(&e) => Ok(Some(())),
                Err(e) if e.code() == Some("DependencyViolation") => Ok(None),
                Err(e) => Err(aws_error(cx.address, "DeleteSecurityGroup", e)),
            }
        })
        .await
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "security group", id, "InvalidGroup.NotFound")
}

fn to_value(
    cx: &Ctx<'_>,
    g: &aws_sdk_ec2::types::SecurityGroup,
    prior: &Value,
    rules: &[SgRuleAws],
    address: &str,
) -> Value {
    let prior_opt = (!prior.is_null()).then_some(prior);
    let (tags, tags_all) = read_tags(g.tags(), cx.default_tags, prior_opt);
    let id = g.group_id().unwrap_or_default();
    let owner = g.owner_id().unwrap_or_default();
    let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
    let arn = g
        .security_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| format!("arn:aws:ec2:{region}:{owner}:security-group/{id}"));
    let mut m = BTreeMap::new();
    for (dir, egress) in DIRECTIONS {
        let v = match prior.get(dir).and_then(Value::as_list) {
            Some(prior_blocks) => read_blocks(&managed(rules, egress, address), prior_blocks, id),
            None => Value::Null,
        };
        m.insert(dir.to_string(), v);
    }
    m.insert("id".into(), Value::from(id));
    m.insert("arn".into(), Value::from(arn));
    m.insert("owner_id".into(), Value::from(owner));
    m.insert("name".into(), opt_str(g.group_name()));
    m.insert(
        "name_prefix".into(),
        prior.get("name_prefix").filter(|v| v.as_str().is_some()).cloned().unwrap_or(Value::Null),
    );
    m.insert("description".into(), opt_str(g.description()));
    m.insert("vpc_id".into(), opt_str(g.vpc_id()));
    m.insert(
        "revoke_rules_on_delete".into(),
        prior.get("revoke_rules_on_delete").filter(|v| v.as_bool().is_some()).cloned().unwrap_or(Value::Null),
    );
    m.insert("tags".into(), tags);
    m.insert("tags_all".into(), tags_all);
    Value::Map(m)
}
