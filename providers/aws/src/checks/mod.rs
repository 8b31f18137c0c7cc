//! Checks of the stack as a whole against the AWS rules of a hybrid EKS network, run at
//! `validate` and `plan` time before any API call (`Provider::validate_plan`).
//!
//! One file per area: `cidr` (the address plan), `firewall` (security group rules against the
//! traffic hybrid nodes need), `resolver` (Route 53 Resolver endpoints and rules), `vpn`
//! (transit gateway and site-to-site VPN), `eks` (what a hybrid cluster must be),
//! `reachability` (the flows hybrid nodes need, traced hop by hop). Every check
//! reads the configuration as written (`PlannedResource::config`, so paths point at the source
//! and host bits are still visible), links resources by reference (IDs are unknown before
//! apply) or by known ID, and skips whatever is unknown rather than guessing.
//!
//! The engine hands every resource of the stack to every provider, so checks here may read
//! other providers' types too (the on-prem node pool's CNI settings).

mod cidr;
mod eks;
mod firewall;
mod reachability;
mod resolver;
mod vpn;

use ipnet::Ipv4Net;
use tether_sdk::{AttrPath, Diagnostic, PathStep, PlannedResource, Value};

pub fn validate_plan(resources: &[PlannedResource]) -> Vec<Diagnostic> {
    let stack = Stack::new(resources);
    let mut out = Vec::new();
    out.extend(cidr::check(&stack));
    out.extend(firewall::check(&stack));
    out.extend(resolver::check(&stack));
    out.extend(vpn::check(&stack));
    out.extend(eks::check(&stack));
    out.extend(reachability::check(&stack));
    out
}

/// The flows hybrid nodes need, traced hop by hop through the planned stack
/// (`Provider::reachability`).
pub fn flows(resources: &[PlannedResource]) -> Vec<tether_sdk::FlowReport> {
    reachability::flows(&Stack::new(resources))
}

/// The planned stack, with the lookups checks share.
pub(crate) struct Stack<'a> {
    all: &'a [PlannedResource],
    /// By address, so findings come out in the same order (and an overlap is reported on the
    /// same side) whatever order the engine planned in.
    sorted: Vec<&'a PlannedResource>,
}

impl<'a> Stack<'a> {
    pub fn new(all: &'a [PlannedResource]) -> Stack<'a> {
        let mut sorted: Vec<&PlannedResource> = all.iter().collect();
        sorted.sort_by(|a, b| a.address.cmp(&b.address));
        Stack { all, sorted }
    }

    pub fn of_type(&self, type_name: &'a str) -> impl Iterator<Item = &'a PlannedResource> + 'a {
        self.sorted.clone().into_iter().filter(move |r| r.type_name == type_name)
    }

    /// The resources of `type_name` that attribute `key` of `r` links to: by reference (the
    /// reference list of `key`, e.g. `vpc_id` or `ip_address[1].subnet_id`), or by a known ID
    /// equal to the value at `path` of its configuration (a string or a list of strings).
    pub fn linked(
        &self,
        r: &PlannedResource,
        key: &str,
        path: &AttrPath,
        type_name: &'a str,
    ) -> Vec<&'a PlannedResource> {
        let refs = r.references.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let ids: Vec<&str> = match r.config.get_path(path) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::List(l)) => l.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        self.of_type(type_name)
            .filter(|t| {
                refs.iter().any(|a| *a == t.address || a == config_address(&t.address))
                    || t.value.get("id").and_then(Value::as_str).is_some_and(|id| ids.contains(&id))
            })
            .collect()
    }
}

/// The config address of an instance address: `aws_security_group.x["a"]` -> `aws_security_group.x`.
pub(crate) fn config_address(address: &str) -> &str {
    address.split('[').next().unwrap_or(address)
}

/// An attribute path from names and indexes: `path(&["vpc_config", "subnet_ids"])`.
pub(crate) fn path(parts: &[&str]) -> AttrPath {
    AttrPath(parts.iter().map(|p| PathStep::Attr((*p).to_string())).collect())
}

/// A known IPv4 CIDR at `path` of `v`: its text as written and its parsed form (host bits
/// kept). `None` when unset, unknown or not a CIDR (per-resource validation reports those).
pub(crate) fn cidr_at(v: &Value, at: &AttrPath) -> Option<(String, Ipv4Net)> {
    let s = v.get_path(at)?.as_str()?;
    Some((s.to_string(), s.parse().ok()?))
}

/// The known strings of a list at `path` (unknown elements skipped).
pub(crate) fn strings_at<'v>(v: &'v Value, at: &AttrPath) -> Vec<(usize, &'v str)> {
    match v.get_path(at) {
        Some(Value::List(l)) => l.iter().enumerate().filter_map(|(i, s)| Some((i, s.as_str()?))).collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// RFC 1918: the only ranges EKS accepts for remote node and pod networks and the service CIDR.
pub(crate) fn is_rfc1918(n: &Ipv4Net) -> bool {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].iter().any(|r| r.parse::<Ipv4Net>().is_ok_and(|r| r.contains(n)))
}

/// A bool attribute or an AWS "enable"/"disable" option string; `None` when unset or unknown.
pub(crate) fn flag(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("enable") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("disable") => Some(false),
        _ => None,
    }
}

/// The remote networks of an EKS cluster as written: (kind, path of the CIDR, text, network).
pub(crate) struct RemoteNet {
    pub kind: &'static str,
    pub at: AttrPath,
    pub text: String,
    pub net: Ipv4Net,
}

pub(crate) const NODE: &str = "remote_node_networks";
pub(crate) const POD: &str = "remote_pod_networks";

pub(crate) fn remote_networks(cluster: &PlannedResource) -> Vec<RemoteNet> {
    let mut out = Vec::new();
    let Some(remote) = cluster.config.get("remote_network_config").filter(|r| !r.is_null()) else { return out };
    for kind in [NODE, POD] {
        let Some(list) = remote.get(kind).and_then(Value::as_list) else { continue };
        for (i, block) in list.iter().enumerate() {
            let base = path(&["remote_network_config", kind]).join_index(i).join_attr("cidrs");
            for (j, text) in strings_at(block, &AttrPath::attr("cidrs")) {
                if let Ok(net) = text.parse::<Ipv4Net>() {
                    out.push(RemoteNet { kind, at: base.join_index(j), text: text.to_string(), net });
                }
            }
        }
    }
    out
}

/// True when the cluster declares remote networks (a hybrid cluster).
pub(crate) fn is_hybrid(cluster: &PlannedResource) -> bool {
    cluster.config.get("remote_network_config").is_some_and(|r| !r.is_null())
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// A planned resource whose configuration and planned value are both `config`.
    pub fn planned(address: &str, config: Value, refs: &[(&str, &str)]) -> PlannedResource {
        let type_name = address.trim_start_matches("data.").split('.').next().unwrap_or_default().to_string();
        let mut references: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (k, v) in refs {
            references.entry(k.to_string()).or_default().push(v.to_string());
        }
        PlannedResource { address: address.into(), type_name, value: config.clone(), config, references }
    }

    pub fn codes(diags: &[Diagnostic]) -> Vec<String> {
        diags.iter().map(|d| d.code.clone().unwrap_or_default()).collect()
    }

    pub fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }
}
