//! What a hybrid cluster (one with remote networks) must be: IPv4, access entries for the
//! nodes (authentication mode API or API_AND_CONFIG_MAP), and an API endpoint that can be
//! reached. Public and private access together is allowed, with hybrid nodes then resolving
//! the endpoint to public IPs unless the on-prem DNS resolves it privately: a warning
//! (DOMAIN.md).

use tether_sdk::{Diagnostic, PlannedResource, Value};

use super::{is_hybrid, path, Stack};

pub fn check(stack: &Stack<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in stack.of_type("aws_eks_cluster").filter(|c| is_hybrid(c)) {
        hybrid(c, &mut out);
    }
    out
}

fn hybrid(c: &PlannedResource, out: &mut Vec<Diagnostic>) {
    let remote = path(&["remote_network_config"]);
    let mode_at = path(&["access_config", "authentication_mode"]);
    match c.config.get_path(&mode_at) {
        Some(Value::String(m)) if m.eq_ignore_ascii_case("CONFIG_MAP") => out.push(
            Diagnostic::error("a hybrid cluster needs authentication_mode API or API_AND_CONFIG_MAP")
                .code("eks::hybrid-auth")
                .address(&c.address)
                .attribute(mode_at)
                .help("hybrid nodes join through access entries: set authentication_mode = \"API\" (or \"API_AND_CONFIG_MAP\")"),
        ),
        None | Some(Value::Null) => out.push(
            Diagnostic::warning("a hybrid cluster without access_config gets authentication mode CONFIG_MAP, which hybrid nodes cannot use")
                .code("eks::hybrid-auth")
                .address(&c.address)
                .attribute(remote.clone())
                .help("add access_config { authentication_mode = \"API\" } (or \"API_AND_CONFIG_MAP\")"),
        ),
        _ => {}
    }
    let family_at = path(&["kubernetes_network_config", "ip_family"]);
    if let Some(f) = c.config.get_path(&family_at).and_then(Value::as_str) {
        if !f.eq_ignore_ascii_case("ipv4") {
            out.push(
                Diagnostic::error(format!("a hybrid cluster must use ip_family ipv4, not {f}"))
                    .code("eks::hybrid-ipv4")
                    .address(&c.address)
                    .attribute(family_at)
                    .help("remove ip_family or set it to \"ipv4\": EKS Hybrid Nodes support IPv4 only"),
            );
        }
    }
    let vpc = c.config.get("vpc_config");
    let access = |k: &str| match vpc.and_then(|v| v.get(k)) {
        None | Some(Value::Null) => Some(k == "endpoint_public_access"),
        Some(v) => v.as_bool(),
    };
    let (Some(public), Some(private)) = (access("endpoint_public_access"), access("endpoint_private_access")) else {
        return;
    };
    if public && private {
        out.push(
            Diagnostic::warning(
                "with public and private endpoint access, hybrid nodes resolve the API endpoint to its public IPs",
            )
            .code("eks::hybrid-endpoint")
            .address(&c.address)
            .attribute(path(&["vpc_config", "endpoint_public_access"]))
            .detail(
                "EKS answers the endpoint's name with public IPs outside the VPC, so hybrid nodes reach the API \
                 server over the internet rather than the VPN, unless the on-prem DNS resolves the name privately \
                 (forwarding it to the Route 53 Resolver inbound endpoint)",
            )
            .help(
                "over a VPN or Direct Connect, set endpoint_public_access = false; or keep both and forward the \
                 endpoint's domain (eks.amazonaws.com) from the on-prem DNS to the inbound resolver endpoint",
            ),
        );
    } else if !public && !private {
        out.push(
            Diagnostic::error("the API endpoint must be reachable: both public and private access are off")
                .code("eks::hybrid-endpoint")
                .address(&c.address)
                .attribute(path(&["vpc_config", "endpoint_private_access"]))
                .help("over a VPN or Direct Connect: endpoint_private_access = true and endpoint_public_access = false; over the internet: the reverse"),
        );
    }
}
