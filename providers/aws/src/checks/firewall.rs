//! Security group rules against the traffic EKS hybrid nodes need (DOMAIN.md, "Required
//! traffic for hybrid nodes"), rules that open kubelet or API ports to the internet on groups
//! attached to a cluster or node group (a warning on groups attached to nothing), and one
//! owner per group's rules.
//!
//! Rules are read from inline `ingress`/`egress` blocks of `aws_security_group` and from the
//! standalone `aws_vpc_security_group_ingress_rule`/`aws_vpc_security_group_egress_rule`; a
//! cluster's groups are those its `vpc_config.security_group_ids` refers to, plus its own
//! cluster security group when standalone rules refer to `cluster_security_group_id`.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;
use tether_sdk::{AttrPath, Diagnostic, PlannedResource, Value};

use super::{config_address, is_hybrid, path, remote_networks, RemoteNet, Stack, NODE};
use crate::ec2::sg_rule::canonical_protocol;

const RULE_TYPES: [&str; 2] = ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"];

pub fn check(stack: &Stack<'_>) -> Vec<Diagnostic> {
    let mut out = mixed_security_group_rules(stack.all);
    let rules = rules(stack);
    let attached = attached_groups(stack);
    for r in &rules {
        out.extend(r.own_findings());
        if r.opens(10250) {
            if r.groups.iter().any(|g| attached.contains(g)) {
                out.push(open_to_world(r, "the kubelet port 10250"));
            } else {
                out.push(
                    Diagnostic::warning(format!(
                        "{} opens the kubelet port 10250 to the whole internet",
                        r.written.address
                    ))
                    .code("firewall::open-to-world")
                    .address(&r.written.address)
                    .attribute(r.peer_at.clone())
                    .detail(
                        "the group is attached to no cluster or node group of this stack, so nothing of the \
                         cluster is exposed by it yet; AWS advises against unrestricted inbound rules",
                    )
                    .help("allow only the networks that need it before attaching the group to a cluster or nodes"),
                );
            }
        }
    }
    for cluster in stack.of_type("aws_eks_cluster").filter(|c| is_hybrid(c)) {
        out.extend(cluster_traffic(stack, cluster, &rules));
    }
    out
}

/// One rule as written, with one entry per peer CIDR it names.
pub(super) struct Rule<'a> {
    /// Where it is written: the security group (inline) or the rule resource.
    written: &'a PlannedResource,
    /// The inline block (`ingress[2]`) or the standalone resource's root.
    at: AttrPath,
    /// The attribute holding the peers (`cidr_ipv4`, `ingress[2].cidr_blocks`).
    peer_at: AttrPath,
    /// Addresses of the groups the rule belongs to (a cluster's address for its own group).
    pub groups: Vec<String>,
    pub ingress: bool,
    /// Protocol, ports and peers are all known.
    pub known: bool,
    pub proto: String,
    pub from: i64,
    pub to: i64,
    /// IPv4 peers as written, with their position in `peer_at` (0 for `cidr_ipv4`).
    cidrs: Peers,
    /// 0.0.0.0/0 or ::/0 among the peers.
    world: bool,
}

impl<'a> Rule<'a> {
    /// A rule from its values: `keys` name the protocol, IPv4 and IPv6 peer attributes. Unset
    /// ports (allowed with protocol -1) cover every port.
    fn read(
        written: &'a PlannedResource,
        v: &Value,
        [proto_key, v4_key, v6_key]: [&str; 3],
        at: AttrPath,
        peer_at: AttrPath,
        groups: Vec<String>,
        ingress: bool,
    ) -> Rule<'a> {
        let proto = v.get(proto_key).and_then(Value::as_str).map(canonical_protocol);
        let (from, to) = (port(v, "from_port"), port(v, "to_port"));
        let p = peers(v.get(v4_key), v.get(v6_key));
        let known = proto.is_some() && from.is_some() && to.is_some() && p.is_some();
        let (cidrs, world) = p.unwrap_or_default();
        Rule {
            written,
            at,
            peer_at,
            groups,
            ingress,
            known,
            proto: proto.unwrap_or_default(),
            from: from.flatten().unwrap_or(0),
            to: to.flatten().unwrap_or(65535),
            cidrs,
            world,
        }
    }

    pub(super) fn covers(&self, ingress: bool, proto: &str, port: i64, cidr: &Ipv4Net) -> bool {
        self.known
            && self.ingress == ingress
            && (self.proto == "-1" || (self.proto == proto && (self.from..=self.to).contains(&port)))
            && self.cidrs.iter().any(|(_, _, c)| c.trunc().contains(cidr))
    }

    fn opens(&self, port: i64) -> bool {
        self.known
            && self.ingress
            && self.world
            && (self.proto == "-1" || (self.proto == "tcp" && (self.from..=self.to).contains(&port)))
    }

    /// What a rule says about itself: the API port 6443 and host bits in a peer CIDR.
    fn own_findings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if !self.known {
            return out;
        }
        if self.proto == "tcp" && self.from == 6443 && self.to == 6443 {
            out.push(
                Diagnostic::warning("a rule for TCP 6443: EKS serves its API on 443")
                    .code("firewall::port-6443")
                    .address(&self.written.address)
                    .attribute(self.at.join_attr("from_port"))
                    .help("hybrid nodes and pods reach the EKS API server on TCP 443; remove this rule unless something else of yours listens on 6443"),
            );
        }
        for (j, text, net) in &self.cidrs {
            if net.addr() != net.network() {
                let at = if self.peer_at.0.len() == 1 { self.peer_at.clone() } else { self.peer_at.join_index(*j) };
                out.push(
                    Diagnostic::warning(format!(
                        "rule CIDR {text} has host bits set; AWS stores it as {}",
                        net.trunc()
                    ))
                    .code("cidr::host-bits")
                    .address(&self.written.address)
                    .attribute(at)
                    .help(format!("write the canonical form \"{}\" so the rule reads as what it allows", net.trunc())),
                );
            }
        }
        out
    }
}

/// The security groups attached to (or referenced by) a cluster or a node group: the ones whose
/// openness matters. A cluster's own group counts under the cluster's address.
fn attached_groups(stack: &Stack<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for ty in ["aws_eks_cluster", "aws_eks_node_group"] {
        for r in stack.of_type(ty) {
            if ty == "aws_eks_cluster" {
                out.push(r.address.clone());
            }
            for key in r.references.keys() {
                for g in stack.linked(r, key, &AttrPath::attr(key.as_str()), "aws_security_group") {
                    out.push(g.address.clone());
                }
            }
            let sg_path = path(&["vpc_config", "security_group_ids"]);
            for g in stack.linked(r, "vpc_config", &sg_path, "aws_security_group") {
                out.push(g.address.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn open_to_world(r: &Rule<'_>, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{} opens {what} to the whole internet", r.written.address))
        .code("firewall::open-to-world")
        .address(&r.written.address)
        .attribute(r.peer_at.clone())
        .help("allow only the networks that need it: the remote node and pod networks (e.g. 192.168.0.0/16 and 10.244.0.0/16), or the VPC")
}

/// A number at `key`: `Some(None)` when unset, `None` when unknown.
fn port(v: &Value, key: &str) -> Option<Option<i64>> {
    match v.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(p) => p.as_f64().map(|f| Some(f as i64)),
    }
}

/// IPv4 peers as written, each with its position in the list that holds it.
type Peers = Vec<(usize, String, Ipv4Net)>;

/// The peers of a rule: IPv4 CIDRs and whether the whole internet is one; `None` when unknown.
fn peers(v4: Option<&Value>, v6: Option<&Value>) -> Option<(Peers, bool)> {
    let mut cidrs = Vec::new();
    let mut world = false;
    for (v, is_v4) in [(v4, true), (v6, false)] {
        let items: Vec<&Value> = match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::List(l)) => l.iter().collect(),
            Some(s @ Value::String(_)) => vec![s],
            Some(_) => return None,
        };
        for (j, item) in items.into_iter().enumerate() {
            let text = item.as_str()?;
            world |= text == "0.0.0.0/0" || text == "::/0";
            if is_v4 {
                if let Ok(n) = text.parse::<Ipv4Net>() {
                    cidrs.push((j, text.to_string(), n));
                }
            }
        }
    }
    Some((cidrs, world))
}

/// Every security group rule of the stack, inline and standalone.
pub(super) fn rules<'a>(stack: &Stack<'a>) -> Vec<Rule<'a>> {
    let mut out = Vec::new();
    for sg in stack.of_type("aws_security_group").filter(|r| !r.address.starts_with("data.")) {
        for dir in ["ingress", "egress"] {
            let Some(blocks) = sg.config.get(dir).and_then(Value::as_list) else { continue };
            for (i, b) in blocks.iter().enumerate() {
                let at = AttrPath::attr(dir).join_index(i);
                let peer_at = at.join_attr("cidr_blocks");
                let keys = ["protocol", "cidr_blocks", "ipv6_cidr_blocks"];
                out.push(Rule::read(sg, b, keys, at, peer_at, vec![sg.address.clone()], dir == "ingress"));
            }
        }
    }
    for (rule_type, ingress) in RULE_TYPES.into_iter().zip([true, false]) {
        for r in stack.of_type(rule_type) {
            let sg_at = AttrPath::attr("security_group_id");
            let mut groups: Vec<String> = stack
                .linked(r, "security_group_id", &sg_at, "aws_security_group")
                .iter()
                .map(|g| g.address.clone())
                .collect();
            // A rule on the group EKS creates for the cluster (`cluster_security_group_id`).
            groups.extend(
                stack.linked(r, "security_group_id", &sg_at, "aws_eks_cluster").iter().map(|c| c.address.clone()),
            );
            let peer_at = AttrPath::attr(if r.config.get("cidr_ipv4").is_some_and(|v| !v.is_null()) {
                "cidr_ipv4"
            } else {
                "cidr_ipv6"
            });
            let keys = ["ip_protocol", "cidr_ipv4", "cidr_ipv6"];
            out.push(Rule::read(r, &r.config, keys, AttrPath::root(), peer_at, groups, ingress));
        }
    }
    out
}

/// One rule hybrid nodes need.
struct Need {
    ingress: bool,
    proto: &'static str,
    port: i64,
    name: &'static str,
    why: &'static str,
}

const NODE_NEEDS: [Need; 2] = [
    Need { ingress: true, proto: "tcp", port: 443, name: "api_from_nodes", why: "API server from hybrid nodes" },
    Need { ingress: false, proto: "tcp", port: 10250, name: "kubelet_to_nodes", why: "control plane to kubelet" },
];
const POD_NEEDS: [Need; 3] = [
    Need {
        ingress: true,
        proto: "tcp",
        port: 443,
        name: "api_from_pods",
        why: "API server from pods (webhooks, operators)",
    },
    Need { ingress: true, proto: "tcp", port: 53, name: "dns_tcp_from_pods", why: "DNS from pods" },
    Need { ingress: true, proto: "udp", port: 53, name: "dns_udp_from_pods", why: "DNS from pods" },
];

/// The traffic a hybrid cluster needs, checked against the rules of its security groups.
fn cluster_traffic(stack: &Stack<'_>, cluster: &PlannedResource, rules: &[Rule<'_>]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let sg_path = path(&["vpc_config", "security_group_ids"]);
    let groups = stack.linked(cluster, "vpc_config", &sg_path, "aws_security_group");
    // Known group IDs the stack does not declare hold rules this check cannot see.
    let declared_ids: Vec<&str> = groups.iter().filter_map(|g| g.value.get("id").and_then(Value::as_str)).collect();
    let external = super::strings_at(&cluster.config, &sg_path).iter().any(|(_, id)| !declared_ids.contains(id));
    let mut scope: Vec<String> = groups.iter().map(|g| g.address.clone()).collect();
    scope.push(cluster.address.clone());
    let mine: Vec<&Rule<'_>> = rules.iter().filter(|r| r.groups.iter().any(|g| scope.contains(g))).collect();
    for r in mine.iter().filter(|r| r.opens(443) || r.opens(6443)) {
        out.push(open_to_world(r, "the Kubernetes API port of the cluster's security group"));
    }
    if external || (groups.is_empty() && mine.is_empty()) {
        return out;
    }
    // Where a missing rule goes: the first declared group, else the cluster's own group.
    let target = groups.first().map(|g| (g.address.clone(), format!("{}.id", config_address(&g.address))));
    let target = target.unwrap_or_else(|| {
        (cluster.address.clone(), format!("{}.cluster_security_group_id", config_address(&cluster.address)))
    });
    let inline_dirs: BTreeMap<bool, bool> = [true, false]
        .into_iter()
        .map(|ingress| {
            let dir = if ingress { "ingress" } else { "egress" };
            let inline = groups
                .first()
                .is_some_and(|g| g.config.get(dir).and_then(Value::as_list).is_some_and(|l| !l.is_empty()));
            (ingress, inline)
        })
        .collect();
    let unknown_dir = |ingress: bool| mine.iter().any(|r| r.ingress == ingress && !r.known);
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for RemoteNet { kind, at, text, net } in remote_networks(cluster) {
        let needs: &[Need] = if kind == NODE { &NODE_NEEDS } else { &POD_NEEDS };
        for need in needs {
            if unknown_dir(need.ingress) || mine.iter().any(|r| r.covers(need.ingress, need.proto, need.port, &net)) {
                continue;
            }
            let n = count.entry(need.name).or_default();
            *n += 1;
            let name = if *n == 1 { need.name.to_string() } else { format!("{}_{n}", need.name) };
            let cidr = net.trunc().to_string();
            let block = if inline_dirs[&need.ingress] {
                inline_block(need, &cidr)
            } else {
                standalone_block(need, &name, &target.1, &cidr)
            };
            let direction = if need.ingress { format!("from {text}") } else { format!("to {text}") };
            out.push(
                Diagnostic::error(format!(
                    "no rule allows {} {} {direction} ({})",
                    need.proto.to_uppercase(),
                    need.port,
                    need.why
                ))
                .code("firewall::missing-rule")
                .address(&cluster.address)
                .attribute(at.clone())
                .related(&target.0, None, "the cluster's security group")
                .help(format!(
                    "add this rule:

{block}"
                )),
            );
        }
    }
    out
}

fn standalone_block(need: &Need, name: &str, group: &str, cidr: &str) -> String {
    let ty = if need.ingress { RULE_TYPES[0] } else { RULE_TYPES[1] };
    format!(
        "resource \"{ty}\" \"{name}\" {{\n  security_group_id = {group}\n  ip_protocol       = \"{}\"\n  from_port         = {}\n  to_port           = {}\n  cidr_ipv4         = \"{cidr}\"\n  description       = \"{}\"\n}}",
        need.proto, need.port, need.port, need.why
    )
}

fn inline_block(need: &Need, cidr: &str) -> String {
    let dir = if need.ingress { "ingress" } else { "egress" };
    format!(
        "{dir} {{\n  protocol    = \"{}\"\n  from_port   = {}\n  to_port     = {}\n  cidr_blocks = [\"{cidr}\"]\n  description = \"{}\"\n}}",
        need.proto, need.port, need.port, need.why
    )
}

/// A group whose rules are written inline (`ingress`/`egress` blocks) must not also be the
/// target of standalone rule resources: the two owners would undo each other on every apply
/// and the plan would never settle.
fn mixed_security_group_rules(resources: &[PlannedResource]) -> Vec<Diagnostic> {
    let has_inline = |v: &Value, direction: &str| match v.get(direction) {
        Some(Value::List(items)) => !items.is_empty(),
        Some(Value::Unknown) => true,
        _ => false,
    };
    let mut out = Vec::new();
    for (rule_type, direction) in RULE_TYPES.iter().zip(["ingress", "egress"]) {
        // Groups whose rules in this direction are inline, by config address and by known ID.
        let mut by_addr: BTreeMap<&str, &str> = BTreeMap::new();
        let mut by_id: BTreeMap<&str, &str> = BTreeMap::new();
        for g in resources.iter().filter(|r| r.type_name == "aws_security_group" && has_inline(&r.value, direction)) {
            by_addr.insert(config_address(&g.address), g.address.as_str());
            if let Some(id) = g.value.get("id").and_then(Value::as_str) {
                by_id.insert(id, g.address.as_str());
            }
        }
        out.extend(mixed_rules(resources, rule_type, direction, &by_addr, &by_id));
    }
    out
}

fn mixed_rules(
    resources: &[PlannedResource],
    rule_type: &str,
    direction: &str,
    by_addr: &BTreeMap<&str, &str>,
    by_id: &BTreeMap<&str, &str>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in resources.iter().filter(|r| r.type_name == rule_type) {
        let via_ref = rule
            .references
            .get("security_group_id")
            .into_iter()
            .flatten()
            .find_map(|a| by_addr.get(config_address(a)).copied());
        let via_id = rule.value.get("security_group_id").and_then(Value::as_str).and_then(|id| by_id.get(id).copied());
        if let Some(group) = via_ref.or(via_id) {
            out.push(
                Diagnostic::error(format!(
                    "{} adds an {direction} rule to {group}, which also declares inline {direction} rules",
                    rule.address
                ))
                .code("aws::security-group-mixed-rules")
                .address(&rule.address)
                .attribute(AttrPath::attr("security_group_id"))
                .help(format!(
                    "give each group one owner for its rules: move {group}'s inline {direction} blocks into \
                     standalone rule resources, or this rule into its inline blocks"
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(address: &str, _type_name: &str, value: Value, refs: &[(&str, &str)]) -> PlannedResource {
        super::super::test_util::planned(address, value, refs)
    }

    fn validate_plan(resources: &[PlannedResource]) -> Vec<Diagnostic> {
        check(&Stack::new(resources))
    }

    #[test]
    fn a_rule_on_a_group_with_inline_rules_is_an_error() {
        let inline = Value::map([
            ("id", Value::Unknown),
            ("ingress", Value::List(vec![Value::map([("from_port", Value::int(443))])])),
        ]);
        let rule = planned(
            "aws_vpc_security_group_ingress_rule.api",
            "aws_vpc_security_group_ingress_rule",
            Value::map([("security_group_id", Value::Unknown)]),
            &[("security_group_id", "aws_security_group.nodes")],
        );
        let diags =
            validate_plan(&[planned("aws_security_group.nodes", "aws_security_group", inline, &[]), rule.clone()]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code.as_deref(), Some("aws::security-group-mixed-rules"));
        assert_eq!(diags[0].attribute, Some(AttrPath::attr("security_group_id")));

        let no_inline = Value::map([("id", Value::Unknown)]);
        assert!(validate_plan(&[planned("aws_security_group.nodes", "aws_security_group", no_inline, &[]), rule])
            .is_empty());
    }
}
