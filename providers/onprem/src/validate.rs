//! Static checks of on-prem resource configurations: no file system access, unknowns skipped.

use std::net::Ipv4Addr;

use tether_sdk::{AttrPath, Diagnostic, Value};

/// The taint effects Kubernetes knows.
pub const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// A known (not null, not unknown) attribute of an object value.
pub(crate) fn known<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get(name).filter(|x| !x.is_null() && !x.is_unknown())
}

pub(crate) fn known_str<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    known(v, name).and_then(Value::as_str)
}

fn err(code: &str, summary: String, path: AttrPath) -> Diagnostic {
    Diagnostic::error(summary).code(format!("onprem::{code}")).attribute(path)
}

fn path(s: &str) -> AttrPath {
    AttrPath::parse(s).unwrap_or_else(|| AttrPath::attr(s))
}

/// Checks an `onprem_node_pool` configuration.
pub fn validate_node_pool(config: &Value) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    exactly_one_output(config, true, &mut d);

    if let Some(name) = known_str(config, "cluster_name") {
        if !is_eks_cluster_name(name) {
            d.push(
                err("InvalidClusterName", format!("{name:?} is not a valid EKS cluster name"), path("cluster_name"))
                    .help("1-100 characters: letters, digits, '-' and '_', starting with a letter or digit"),
            );
        }
    }
    if let Some(cni) = known_str(config, "cni") {
        if !["calico", "cilium"].contains(&cni.to_ascii_lowercase().as_str()) {
            d.push(
                err("InvalidCni", format!("cni {cni:?} is not a CNI EKS Hybrid Nodes support"), path("cni"))
                    .help("use \"calico\" or \"cilium\""),
            );
        }
    }
    if let Some(c) = known_str(config, "pod_cidr") {
        let ok = c.split_once('/').is_some_and(|(ip, len)| {
            ip.parse::<std::net::Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|n| n <= 32)
        });
        if !ok {
            d.push(
                err("InvalidPodCidr", format!("pod_cidr {c:?} is not an IPv4 CIDR block"), path("pod_cidr"))
                    .help("write it like 10.244.0.0/16, inside the cluster's remote pod networks"),
            );
        }
    }
    if let Some(region) = known_str(config, "region") {
        if !is_region(region) {
            d.push(
                err("InvalidRegion", format!("{region:?} is not an AWS region name"), path("region"))
                    .help("write a region such as ap-northeast-2"),
            );
        }
    }
    for (name, min) in [("node_count", 0), ("vcpus_per_node", 1), ("max_pods", 1)] {
        if let Some(v) = known(config, name) {
            match v.as_i64() {
                Some(n) if n >= min => {}
                _ => d.push(err(
                    "InvalidNumber",
                    format!("{name} must be a whole number of at least {min}, not {}", v.render()),
                    path(name),
                )),
            }
        }
    }
    if let Some(v) = known(config, "vcpu_hour_rate") {
        if tether_sdk::HourlyPrice::from_value(v).is_none() {
            d.push(
                err(
                    "InvalidRate",
                    format!("vcpu_hour_rate must be a price in USD per vCPU-hour, not {}", v.render()),
                    path("vcpu_hour_rate"),
                )
                .help("write a number of zero or more with at most six decimal places, e.g. 0.1099"),
            );
        }
    }

    // Credentials: exactly one kind.
    let ssm = config.get("ssm").is_some_and(|v| !v.is_null());
    let ira = config.get("iam_roles_anywhere").is_some_and(|v| !v.is_null());
    match (ssm, ira) {
        (true, true) => d.push(
            err(
                "ConflictingCredentials",
                "set either an ssm block or an iam_roles_anywhere block, not both".into(),
                path("iam_roles_anywhere"),
            )
            .help("a hybrid node authenticates with SSM hybrid activations or IAM Roles Anywhere, never both"),
        ),
        (false, false) => d.push(
            err("MissingCredentials", "the node pool has no credentials".into(), path("ssm"))
                .help("add an ssm { activation_id, activation_code } block or an iam_roles_anywhere block"),
        ),
        _ => {}
    }
    if let Some(ira) = known(config, "iam_roles_anywhere") {
        for (name, what) in
            [("trust_anchor_arn", ":trust-anchor/"), ("profile_arn", ":profile/"), ("role_arn", ":role/")]
        {
            if let Some(arn) = known_str(ira, name) {
                if !arn.starts_with("arn:") || !arn.contains(what) {
                    d.push(err(
                        "InvalidArn",
                        format!("{arn:?} is not an ARN of the expected kind (containing {what:?})"),
                        path(&format!("iam_roles_anywhere.{name}")),
                    ));
                }
            }
        }
    }

    // Kubelet settings.
    if let Some(labels) = known(config, "labels").and_then(Value::as_map) {
        for (k, v) in labels {
            let at = AttrPath(vec![tether_sdk::PathStep::Attr("labels".into()), tether_sdk::PathStep::Key(k.clone())]);
            if let Some(problem) = label_key_problem(k) {
                d.push(err("InvalidLabel", format!("label key {k:?} is invalid: {problem}"), at.clone()));
            }
            if v.is_unknown() {
                continue;
            }
            match v.as_str() {
                Some(s) if is_label_value(s) => {}
                Some(s) => d.push(
                    err("InvalidLabel", format!("label value {s:?} (key {k:?}) is invalid"), at)
                        .help("at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit"),
                ),
                None => d.push(err("InvalidLabel", format!("label {k:?} must be a string"), at)),
            }
        }
    }
    if let Some(taints) = known(config, "taints").and_then(Value::as_list) {
        for (i, t) in taints.iter().enumerate() {
            let at = AttrPath::attr("taints").join_index(i);
            if t.is_unknown() {
                continue;
            }
            match t.as_str() {
                Some(s) => {
                    if let Err(problem) = parse_taint(s) {
                        d.push(
                            err("InvalidTaint", format!("taint {s:?} is invalid: {problem}"), at)
                                .help("write key=value:Effect, e.g. nvidia.com/gpu=present:NoSchedule"),
                        );
                    }
                }
                None => d.push(err("InvalidTaint", "taints must be strings".into(), at)),
            }
        }
    }
    if let Some(s) = known_str(config, "shutdown_grace_period") {
        if !is_go_duration(s) {
            d.push(
                err("InvalidDuration", format!("{s:?} is not a duration"), path("shutdown_grace_period"))
                    .help("write a Go duration such as 30s, 2m or 1m30s"),
            );
        }
    }

    // Containerd.
    if let Some(mirror) = known(config, "containerd").and_then(|c| known(c, "registry_mirror")) {
        if let Some(ep) = known_str(mirror, "endpoint") {
            if endpoint_host(ep).is_none() {
                d.push(
                    err(
                        "InvalidEndpoint",
                        format!("{ep:?} is not an http(s) URL"),
                        path("containerd.registry_mirror.endpoint"),
                    )
                    .help("write the mirror's URL, e.g. https://harbor.corp.local"),
                );
            }
        }
        if let Some(host) = known_str(mirror, "host") {
            if host.is_empty() || host.contains(['/', '"', ' ']) {
                d.push(err(
                    "InvalidHost",
                    format!("{host:?} is not a registry host name such as docker.io"),
                    path("containerd.registry_mirror.host"),
                ));
            }
        }
    }
    d
}

/// Checks an `onprem_dns_forward_zone` configuration.
pub fn validate_zone(config: &Value) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    exactly_one_output(config, false, &mut d);
    if let Some(zone) = known_str(config, "zone_name") {
        if !is_dns_name(zone) {
            d.push(
                err("InvalidZoneName", format!("{zone:?} is not a DNS zone name"), path("zone_name"))
                    .help("write a domain name such as eks.amazonaws.com"),
            );
        }
    }
    if let Some(fwd) = known(config, "forwarders").and_then(Value::as_list) {
        if fwd.is_empty() {
            d.push(err("NoForwarders", "a forward zone needs at least one forwarder".into(), path("forwarders")));
        }
        let mut seen = Vec::new();
        for (i, f) in fwd.iter().enumerate() {
            let at = AttrPath::attr("forwarders").join_index(i);
            if f.is_unknown() {
                continue;
            }
            match f.as_str().map(str::parse::<Ipv4Addr>) {
                Some(Ok(ip)) => {
                    if seen.contains(&ip) {
                        d.push(err("DuplicateForwarder", format!("forwarder {ip} is listed twice"), at));
                    }
                    seen.push(ip);
                }
                _ => d.push(
                    err("InvalidForwarder", format!("forwarder {} is not an IPv4 address", f.render()), at)
                        .help("list the resolver inbound endpoint's IPs, e.g. 10.0.1.100"),
                ),
            }
        }
    }
    d
}

/// Checks an `onprem_strongswan_vpn` configuration. Keys are never quoted in a message.
pub fn validate_strongswan(config: &Value) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    exactly_one_output(config, false, &mut d);
    let mut addresses = vec!["local_address".to_string()];
    for t in ["tunnel1", "tunnel2"] {
        addresses.push(format!("{t}_address"));
        addresses.push(format!("{t}_cgw_inside_address"));
        addresses.push(format!("{t}_vgw_inside_address"));
        let key = format!("{t}_preshared_key");
        if let Some(k) = known_str(config, &key) {
            let bad = !(8..=64).contains(&k.len())
                || k.starts_with('0')
                || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
            if bad {
                d.push(err("InvalidPresharedKey", format!("{key} is not a key AWS accepts"), path(&key)).help(
                    "8-64 characters of A-Z, a-z, 0-9, '.' and '_', not starting with 0 (use the VPN connection's key)",
                ));
            }
        }
    }
    for a in addresses {
        if let Some(ip) = known_str(config, &a) {
            if ip.parse::<Ipv4Addr>().is_err() {
                d.push(
                    err("InvalidAddress", format!("{a} {ip:?} is not an IPv4 address"), path(&a))
                        .help("use the VPN connection's attribute of the same name"),
                );
            }
        }
    }
    for ts in ["local_traffic_selector", "remote_traffic_selector"] {
        if let Some(c) = known_str(config, ts) {
            let ok = c
                .split_once('/')
                .is_some_and(|(ip, len)| ip.parse::<Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|n| n <= 32));
            if !ok {
                d.push(err("InvalidTrafficSelector", format!("{ts} {c:?} is not an IPv4 CIDR block"), path(ts)));
            }
        }
    }
    d
}

fn exactly_one_output(config: &Value, dir_allowed: bool, d: &mut Vec<Diagnostic>) {
    let set = |n: &str| config.get(n).is_some_and(|v| !v.is_null());
    let (has_dir, has_path) = (dir_allowed && set("output_dir"), set("output_path"));
    if has_dir && has_path {
        d.push(err("ConflictingOutput", "set either output_dir or output_path, not both".into(), path("output_path")));
    } else if !has_dir && !has_path {
        let help = if dir_allowed { "set output_dir (a directory) or output_path (a file)" } else { "set output_path" };
        d.push(
            err("MissingOutput", "no file to write: the output path is unset".into(), path("output_path")).help(help),
        );
    }
    for n in ["output_dir", "output_path"] {
        if let Some(p) = known_str(config, n) {
            if p.is_empty() || p.contains('\0') {
                d.push(err("InvalidPath", format!("{n} {p:?} is not a usable path"), path(n)));
            }
        }
    }
}

fn is_eks_cluster_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// A Kubernetes qualified-name part or non-empty label value: at most 63 characters of
/// `[A-Za-z0-9._-]`, starting and ending with an alphanumeric.
fn is_name_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A DNS-1123 subdomain (lower case).
fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && l.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_name_part(s)
}

/// Labels kubelet may set on its own node in the `kubernetes.io` / `k8s.io` namespaces.
const KUBELET_ALLOWED: [&str; 11] = [
    "kubernetes.io/hostname",
    "kubernetes.io/instance-type",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
];

/// Why `key` is not a syntactically valid Kubernetes label or taint key, if it is not.
pub fn key_syntax_problem(key: &str) -> Option<String> {
    let (prefix, name) = key.split_once('/').map_or((None, key), |(p, n)| (Some(p), n));
    if !is_name_part(name) {
        return Some(
            "the name must be 1-63 characters of letters, digits, '-', '_' and '.', starting and ending \
             with a letter or digit"
                .into(),
        );
    }
    match prefix {
        Some(p) if !is_dns_subdomain(p) => Some(format!("the prefix {p:?} is not a lower-case DNS subdomain")),
        _ => None,
    }
}

/// Why `key` is not a label key kubelet accepts in `--node-labels`, if it is not.
pub fn label_key_problem(key: &str) -> Option<String> {
    if let Some(problem) = key_syntax_problem(key) {
        return Some(problem);
    }
    let (p, _) = key.split_once('/')?;
    let under = |ns: &str| p == ns || p.ends_with(&format!(".{ns}"));
    let restricted = under("kubernetes.io") || under("k8s.io");
    let allowed = KUBELET_ALLOWED.contains(&key) || under("kubelet.kubernetes.io") || under("node.kubernetes.io");
    (restricted && !allowed).then(|| {
        format!(
            "kubelet may not set labels under {p:?} on its own node (the node would fail to register); \
             use a prefix of your own or node.kubernetes.io/"
        )
    })
}

/// Splits a taint `key[=value]:Effect`, checking each part.
pub fn parse_taint(s: &str) -> Result<(&str, Option<&str>, &str), String> {
    let Some((kv, effect)) = s.rsplit_once(':') else {
        return Err("missing :Effect".into());
    };
    if !TAINT_EFFECTS.contains(&effect) {
        return Err(format!("effect {effect:?} is not one of {}", TAINT_EFFECTS.join(", ")));
    }
    let (key, value) = match kv.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (kv, None),
    };
    if let Some(problem) = key_syntax_problem(key) {
        return Err(format!("key {key:?}: {problem}"));
    }
    if let Some(v) = value {
        if !is_label_value(v) {
            return Err(format!("value {v:?} is not a valid label value"));
        }
    }
    Ok((key, value, effect))
}

/// A non-negative Go duration (`time.ParseDuration`): `0`, or number+unit pairs such as
/// `30s`, `1m30s`, `1.5h`, `300ms`.
pub fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[num_len..];
        let Some(unit) = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"].into_iter().find(|u| rest.starts_with(u))
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

fn is_dns_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// The `host[:port]` of an http(s) URL, used as containerd's registry config key.
pub fn endpoint_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    (!host.is_empty() && !host.contains(['"', ' ', '\\'])).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in ["30s", "0", "1m30s", "1.5h", "300ms", "2h45m", "10us", "+5s"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["30", "", "s", "-5s", "30 s", "1d", "1..5s", "thirty"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn taints() {
        assert_eq!(
            parse_taint("nvidia.com/gpu=present:NoSchedule").unwrap(),
            ("nvidia.com/gpu", Some("present"), "NoSchedule")
        );
        assert_eq!(parse_taint("dedicated:NoExecute").unwrap(), ("dedicated", None, "NoExecute"));
        assert!(parse_taint("node.kubernetes.io/x=y:PreferNoSchedule").is_ok());
        assert!(parse_taint("nvidia.com/gpu=present:NO_SCHEDULE").unwrap_err().contains("effect"));
        assert!(parse_taint("nvidia.com/gpu=present").is_err());
        assert!(parse_taint("bad key=x:NoSchedule").is_err());
        assert!(parse_taint("k=not valid:NoSchedule").is_err());
    }

    #[test]
    fn labels() {
        assert!(label_key_problem("node-type").is_none());
        assert!(label_key_problem("example.com/gpu-count").is_none());
        assert!(label_key_problem("node.kubernetes.io/pool").is_none());
        assert!(label_key_problem("topology.kubernetes.io/zone").is_none());
        assert!(label_key_problem("node-role.kubernetes.io/gpu").unwrap().contains("kubelet may not"));
        assert!(label_key_problem("Example.com/x").is_some());
        assert!(label_key_problem("-x").is_some());
        assert!(label_key_problem(&"a".repeat(64)).is_some());
        assert!(is_label_value("h100") && is_label_value("") && !is_label_value("a b") && !is_label_value("x-"));
    }
}
