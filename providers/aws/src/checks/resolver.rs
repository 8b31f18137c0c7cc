//! Route 53 Resolver: endpoints in two Availability Zones with fixed IPs inside their subnets,
//! security groups that let DNS through, forward rules that point on-prem.

use std::collections::BTreeSet;

use ipnet::Ipv4Net;
use tether_sdk::{AttrPath, Diagnostic, PlannedResource, Value};

use super::firewall::{self, Rule};
use super::{remote_networks, Stack};

pub fn check(stack: &Stack<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ep in stack.of_type("aws_route53_resolver_endpoint") {
        endpoint_placement(stack, ep, &mut out);
        endpoint_dns_rules(stack, ep, &mut out);
    }
    forward_targets(stack, &mut out);
    registry_names(stack, &mut out);
    out
}

/// Suffixes of names that only a private DNS server answers for.
const PRIVATE_SUFFIXES: [&str; 8] =
    [".local", ".internal", ".corp", ".lan", ".intranet", ".private", ".home.arpa", ".localdomain"];

/// The host of an http(s) URL, without a port.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split('/').next()?;
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h)).filter(|h| !h.is_empty())
}

/// A node pool's registry mirror with a private name must be resolvable: within a zone the
/// stack forwards to the on-prem DNS servers, the one private namespace the network shares.
/// A private name outside every forwarded zone resolves nowhere the stack arranges for.
fn registry_names(stack: &Stack<'_>, out: &mut Vec<Diagnostic>) {
    let zones: Vec<(String, &PlannedResource)> = stack
        .of_type("aws_route53_resolver_rule")
        .filter(|r| {
            r.config.get("rule_type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("FORWARD"))
        })
        .filter_map(|r| {
            let d = r.config.get("domain_name")?.as_str()?;
            Some((d.trim_end_matches('.').to_ascii_lowercase(), r))
        })
        .collect();
    if zones.is_empty() {
        return;
    }
    let at = super::path(&["containerd", "registry_mirror", "endpoint"]);
    for pool in stack.of_type("onprem_node_pool") {
        let Some(host) = pool.config.get_path(&at).and_then(Value::as_str).and_then(url_host) else { continue };
        let host = host.to_ascii_lowercase();
        if host.parse::<std::net::IpAddr>().is_ok() || !PRIVATE_SUFFIXES.iter().any(|s| host.ends_with(s)) {
            continue;
        }
        if zones.iter().any(|(z, _)| host == *z || host.ends_with(&format!(".{z}"))) {
            continue;
        }
        let listed: Vec<&str> = zones.iter().map(|(z, _)| z.as_str()).collect();
        let (first, rule) = (&zones[0].0, zones[0].1);
        let name = host.split('.').next().unwrap_or("registry");
        out.push(
            Diagnostic::warning(format!(
                "registry host {host} is outside the zones forwarded to the on-prem DNS ({})",
                listed.join(", ")
            ))
            .code("resolver::registry-not-forwarded")
            .address(&pool.address)
            .attribute(at.clone())
            .related(&rule.address, Some(AttrPath::attr("domain_name")), "the zone the stack forwards")
            .detail("a private name outside every forwarded zone is resolved by nothing the stack sets up: the VPC cannot resolve it, and on-prem only a DNS server that happens to serve its zone can")
            .help(format!("name the registry inside a forwarded zone (e.g. https://{name}.{first}), or forward its zone with another aws_route53_resolver_rule")),
        );
    }
}

/// The subnet an `ip_address` block names, when exactly one declared subnet matches.
fn subnet_of<'a>(stack: &Stack<'a>, ep: &PlannedResource, i: usize) -> Option<&'a PlannedResource> {
    let key = format!("ip_address[{i}].subnet_id");
    let at = AttrPath::attr("ip_address").join_index(i).join_attr("subnet_id");
    match stack.linked(ep, &key, &at, "aws_subnet").as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// A subnet's value as written (managed) or read (data source).
fn subnet_value(s: &PlannedResource) -> &Value {
    if s.address.starts_with("data.") {
        &s.value
    } else {
        &s.config
    }
}

fn endpoint_placement(stack: &Stack<'_>, ep: &PlannedResource, out: &mut Vec<Diagnostic>) {
    let Some(ips) = ep.config.get("ip_address").and_then(Value::as_list) else { return };
    let mut zones: BTreeSet<&str> = BTreeSet::new();
    let mut all_zones_known = ips.len() >= 2;
    for (i, b) in ips.iter().enumerate() {
        let subnet = subnet_of(stack, ep, i);
        let zone = subnet.and_then(|s| subnet_value(s).get("availability_zone")).and_then(Value::as_str);
        match zone {
            Some(z) => {
                zones.insert(z);
            }
            None => all_zones_known = false,
        }
        let (Some(s), Some(ip)) = (subnet, b.get("ip").and_then(Value::as_str)) else { continue };
        let (Ok(ip), Some(net)) = (
            ip.parse::<std::net::Ipv4Addr>(),
            subnet_value(s).get("cidr_block").and_then(Value::as_str).and_then(|c| c.parse::<Ipv4Net>().ok()),
        ) else {
            continue;
        };
        let net = net.trunc();
        let at = AttrPath::attr("ip_address").join_index(i).join_attr("ip");
        let subnet_at = Some(AttrPath::attr("cidr_block"));
        if !net.contains(&ip) {
            out.push(
                Diagnostic::error(format!("resolver IP {ip} is outside its subnet {net}"))
                    .code("resolver::ip-outside-subnet")
                    .address(&ep.address)
                    .attribute(at)
                    .related(&s.address, subnet_at, format!("the subnet ({net})"))
                    .help(format!("pick a free address inside {net}, e.g. {}", example_ip(&net))),
            );
        } else {
            // AWS keeps the first four addresses and the last of every subnet.
            let offset = u32::from(ip) - u32::from(net.network());
            if offset < 4 || ip == net.broadcast() {
                out.push(
                    Diagnostic::error(format!("resolver IP {ip} is reserved by AWS in subnet {net}"))
                        .code("resolver::ip-reserved")
                        .address(&ep.address)
                        .attribute(at)
                        .related(&s.address, subnet_at, format!("the subnet ({net})"))
                        .help("AWS reserves the first four addresses and the last one of every subnet: pick another, e.g. the .100 of the subnet"),
                );
            }
        }
    }
    if all_zones_known && zones.len() < 2 {
        out.push(
            Diagnostic::error(format!(
                "resolver endpoint IPs are all in one Availability Zone ({})",
                zones.iter().copied().collect::<Vec<_>>().join(", ")
            ))
            .code("resolver::single-az")
            .address(&ep.address)
            .attribute(AttrPath::attr("ip_address"))
            .help("put the ip_address blocks in subnets of at least two Availability Zones, e.g. one in ap-northeast-2a and one in ap-northeast-2b"),
        );
    }
}

/// An inbound endpoint's groups must let DNS in (TCP and UDP 53), an outbound's let it out.
fn endpoint_dns_rules(stack: &Stack<'_>, ep: &PlannedResource, out: &mut Vec<Diagnostic>) {
    let Some(direction) = ep.config.get("direction").and_then(Value::as_str).map(str::to_ascii_uppercase) else {
        return;
    };
    let ingress = match direction.as_str() {
        "INBOUND" => true,
        "OUTBOUND" => false,
        _ => return,
    };
    let sg_at = AttrPath::attr("security_group_ids");
    let groups = stack.linked(ep, "security_group_ids", &sg_at, "aws_security_group");
    let declared = groups.iter().filter_map(|g| g.value.get("id").and_then(Value::as_str)).collect::<Vec<_>>();
    let external = super::strings_at(&ep.config, &sg_at).iter().any(|(_, id)| !declared.contains(id));
    if groups.is_empty() || external {
        return;
    }
    let rule_type = if ingress { "aws_vpc_security_group_ingress_rule" } else { "aws_vpc_security_group_egress_rule" };
    let rules: Vec<Rule<'_>> = firewall::rules(stack)
        .into_iter()
        .filter(|r| r.ingress == ingress && r.groups.iter().any(|g| groups.iter().any(|e| &e.address == g)))
        .collect();
    if rules.iter().any(|r| !r.known) {
        return;
    }
    let found: Vec<(String, i64, i64)> = rules.into_iter().map(|r| (r.proto, r.from, r.to)).collect();
    let missing: Vec<&str> = ["tcp", "udp"]
        .into_iter()
        .filter(|p| !found.iter().any(|(proto, from, to)| proto == "-1" || (proto == p && (*from..=*to).contains(&53))))
        .collect();
    if missing.is_empty() {
        return;
    }
    let what = missing.iter().map(|p| p.to_uppercase()).collect::<Vec<_>>().join(" and ");
    let (verb, peer) = if ingress { ("in", "from on-prem") } else { ("out", "to the on-prem DNS servers") };
    let blocks: Vec<String> = missing
        .iter()
        .map(|p| {
            format!(
                "resource \"{rule_type}\" \"dns_{p}\" {{\n  security_group_id = {}.id\n  ip_protocol       = \"{p}\"\n  from_port         = 53\n  to_port           = 53\n  cidr_ipv4         = \"192.168.0.0/16\" # the on-prem network\n}}",
                super::config_address(&groups[0].address)
            )
        })
        .collect();
    out.push(
        Diagnostic::error(format!(
            "the security groups of this {} endpoint do not allow DNS ({what} 53) {verb}",
            direction.to_lowercase()
        ))
        .code("resolver::sg-dns")
        .address(&ep.address)
        .attribute(sg_at)
        .related(&groups[0].address, None, "its security group")
        .help(format!("allow DNS {peer}:\n\n{}", blocks.join("\n\n"))),
    );
}

/// An address of the subnet AWS does not reserve: the .100 when the subnet is big enough.
fn example_ip(net: &Ipv4Net) -> std::net::Ipv4Addr {
    let size = 1u64 << (32 - u32::from(net.prefix_len()));
    let offset = if size > 128 { 100 } else { 4 };
    std::net::Ipv4Addr::from(u32::from(net.network()).wrapping_add(offset))
}

/// FORWARD rules send queries on-prem: a target outside every declared remote network is
/// likely a typo or a network the VPC has no route to.
fn forward_targets(stack: &Stack<'_>, out: &mut Vec<Diagnostic>) {
    let remotes: Vec<Ipv4Net> =
        stack.of_type("aws_eks_cluster").flat_map(|c| remote_networks(c).into_iter().map(|n| n.net.trunc())).collect();
    if remotes.is_empty() {
        return;
    }
    let listed = remotes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    for rule in stack.of_type("aws_route53_resolver_rule") {
        let forward =
            rule.config.get("rule_type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("FORWARD"));
        let Some(targets) = rule.config.get("target_ip").and_then(Value::as_list).filter(|_| forward) else { continue };
        for (i, t) in targets.iter().enumerate() {
            let Some(ip) = t.get("ip").and_then(Value::as_str).and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
            else {
                continue;
            };
            if !remotes.iter().any(|n| n.contains(&ip)) {
                out.push(
                    Diagnostic::warning(format!("forward target {ip} is outside every remote network ({listed})"))
                        .code("resolver::target-outside-remote")
                        .address(&rule.address)
                        .attribute(AttrPath::attr("target_ip").join_index(i).join_attr("ip"))
                        .help("forward to the on-prem DNS servers, inside the remote node network (e.g. 192.168.1.53), and make sure the VPC routes there"),
                );
            }
        }
    }
}
