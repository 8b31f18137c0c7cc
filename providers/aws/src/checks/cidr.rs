//! The address plan: VPC and subnet CIDRs, a hybrid cluster's remote node and pod networks and
//! service CIDR, and the pod CIDR of on-prem node pools (DOMAIN.md, "AWS rules").

use ipnet::Ipv4Net;
use tether_sdk::{AttrPath, Diagnostic, PlannedResource, Value};

use super::{cidr_at, is_rfc1918, overlaps, path, remote_networks, RemoteNet, Stack, NODE};

/// Calico's default IP pool, used when a pool CIDR is not set.
const CALICO_DEFAULT_POOL: &str = "192.168.0.0/16";

/// One CIDR of the plan and where it is written.
struct Net<'a> {
    res: &'a PlannedResource,
    at: AttrPath,
    text: String,
    net: Ipv4Net,
    /// What it is, for messages: "VPC CIDR", "remote node network", "service CIDR".
    what: &'static str,
}

pub fn check(stack: &Stack<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let vpcs: Vec<Net<'_>> = stack.of_type("aws_vpc").filter_map(vpc_cidr).collect();
    for v in vpcs.iter().filter(|v| !v.res.address.starts_with("data.")) {
        host_bits(v, &mut out);
    }
    pairwise_overlaps(&vpcs, &mut out);
    subnets(stack, &mut out);
    for cluster in stack.of_type("aws_eks_cluster") {
        let own = cluster_vpc_cidrs(stack, cluster, &vpcs);
        cluster_networks(cluster, &own, &mut out);
    }
    node_pools(stack, &mut out);
    out
}

/// The CIDRs of a cluster's own VPC (the VPC of its subnets), primary and secondary. Another
/// VPC of the stack is not the cluster's: it may stand in for on-prem in a test layout. When
/// the subnets cannot be linked yet, a stack's only VPC is taken to be the cluster's.
fn cluster_vpc_cidrs<'a>(stack: &Stack<'a>, cluster: &PlannedResource, vpcs: &[Net<'a>]) -> Vec<Net<'a>> {
    let subnets = stack.linked(cluster, "vpc_config", &path(&["vpc_config", "subnet_ids"]), "aws_subnet");
    let mut own: Vec<&PlannedResource> = Vec::new();
    for s in subnets {
        for v in stack.linked(s, "vpc_id", &AttrPath::attr("vpc_id"), "aws_vpc") {
            if !own.iter().any(|o| o.address == v.address) {
                own.push(v);
            }
        }
    }
    if own.is_empty() {
        let all: Vec<&PlannedResource> = stack.of_type("aws_vpc").collect();
        if let [only] = all.as_slice() {
            own.push(only);
        }
    }
    let mut out: Vec<Net<'a>> = vpcs
        .iter()
        .filter(|n| own.iter().any(|o| o.address == n.res.address))
        .map(|n| Net { res: n.res, at: n.at.clone(), text: n.text.clone(), net: n.net, what: n.what })
        .collect();
    for a in stack.of_type("aws_vpc_ipv4_cidr_block_association") {
        let linked = stack.linked(a, "vpc_id", &AttrPath::attr("vpc_id"), "aws_vpc");
        if !linked.iter().any(|v| own.iter().any(|o| o.address == v.address)) {
            continue;
        }
        let at = AttrPath::attr("cidr_block");
        if let Some((text, net)) = cidr_at(&a.config, &at) {
            out.push(Net { res: a, at, text, net, what: "secondary VPC CIDR" });
        }
    }
    out
}

/// A VPC's CIDR: as written for a managed VPC, as read for a data source (unknown until read).
fn vpc_cidr(r: &PlannedResource) -> Option<Net<'_>> {
    let at = AttrPath::attr("cidr_block");
    let source = if r.address.starts_with("data.") { &r.value } else { &r.config };
    let (text, net) = cidr_at(source, &at)?;
    Some(Net { res: r, at, text, net, what: "VPC CIDR" })
}

/// A CIDR with host bits set is often a typo (`10.0.1.5/16`): AWS stores the network it
/// truncates to, which may not be the one meant. A warning: the stack still works.
fn host_bits(n: &Net<'_>, out: &mut Vec<Diagnostic>) {
    if n.net.addr() != n.net.network() {
        out.push(
            Diagnostic::warning(format!("{} {} has host bits set", n.what, n.text))
                .code("cidr::host-bits")
                .address(&n.res.address)
                .attribute(n.at.clone())
                .detail(format!("AWS treats it as {}, which may not be the network meant", n.net.trunc()))
                .help(format!("write the network's canonical form: \"{}\"", n.net.trunc())),
        );
    }
}

fn overlap_diag(a: &Net<'_>, b: &Net<'_>, help: &str) -> Diagnostic {
    Diagnostic::error(format!("{} {} overlaps {} {}", a.what, a.text, b.what, b.text))
        .code("cidr::overlap")
        .address(&a.res.address)
        .attribute(a.at.clone())
        .related(&b.res.address, Some(b.at.clone()), format!("overlaps this {} ({})", b.what, b.text))
        .help(help.to_string())
}

fn pairwise_overlaps(nets: &[Net<'_>], out: &mut Vec<Diagnostic>) {
    for (i, a) in nets.iter().enumerate() {
        for b in &nets[i + 1..] {
            if overlaps(&a.net, &b.net) {
                out.push(overlap_diag(
                    a,
                    b,
                    "give each network its own range: VPC, remote node, remote pod and service CIDRs must not overlap, \
                     or traffic is routed to the wrong side",
                ));
            }
        }
    }
}

/// Subnets lie inside their VPC and do not overlap each other.
fn subnets(stack: &Stack<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(Net<'_>, Option<&PlannedResource>)> = Vec::new();
    for s in stack.of_type("aws_subnet").filter(|s| !s.address.starts_with("data.")) {
        let at = AttrPath::attr("cidr_block");
        let Some((text, net)) = cidr_at(&s.config, &at) else { continue };
        let subnet = Net { res: s, at, text, net, what: "subnet CIDR" };
        host_bits(&subnet, out);
        let vpcs = stack.linked(s, "vpc_id", &AttrPath::attr("vpc_id"), "aws_vpc");
        let vpc = match vpcs.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        if let Some(v) = vpc.and_then(vpc_cidr) {
            if !v.net.trunc().contains(&subnet.net.trunc()) {
                out.push(
                    Diagnostic::error(format!(
                        "subnet CIDR {} is outside its VPC's CIDR {}",
                        subnet.text,
                        v.net.trunc()
                    ))
                    .code("cidr::subnet-outside-vpc")
                    .address(&s.address)
                    .attribute(subnet.at.clone())
                    .related(&v.res.address, Some(v.at.clone()), format!("the VPC's CIDR ({})", v.text))
                    .help(format!(
                        "pick a range inside {}, e.g. cidrsubnet(aws_vpc.<name>.cidr_block, 8, 1)",
                        v.net.trunc()
                    )),
                );
            }
        }
        for (other, other_vpc) in &seen {
            let same_vpc = match (vpc, other_vpc) {
                (Some(a), Some(b)) => a.address == b.address,
                _ => false,
            };
            if same_vpc && overlaps(&subnet.net, &other.net) {
                out.push(
                    Diagnostic::error(format!("subnet CIDR {} overlaps subnet CIDR {}", subnet.text, other.text))
                        .code("cidr::subnet-overlap")
                        .address(&s.address)
                        .attribute(subnet.at.clone())
                        .related(&other.res.address, Some(other.at.clone()), format!("overlaps {}", other.text))
                        .help("subnets of one VPC need disjoint ranges: e.g. cidrsubnet(vpc_cidr, 8, 1) and cidrsubnet(vpc_cidr, 8, 2)"),
                );
            }
        }
        seen.push((subnet, vpc));
    }
}

/// A hybrid cluster's remote networks and service CIDR: RFC 1918, the right sizes, canonical,
/// and disjoint from each other and from the cluster's own VPC CIDRs.
fn cluster_networks<'a>(cluster: &'a PlannedResource, vpcs: &[Net<'a>], out: &mut Vec<Diagnostic>) {
    let mut nets: Vec<Net<'a>> = Vec::new();
    for RemoteNet { kind, at, text, net } in remote_networks(cluster) {
        let what = if kind == NODE { "remote node network" } else { "remote pod network" };
        let n = Net { res: cluster, at, text, net, what };
        host_bits(&n, out);
        if !is_rfc1918(&net) || !(8..=32).contains(&net.prefix_len()) {
            out.push(
                Diagnostic::error(format!("{what} {} is not an RFC 1918 network of /8 to /32", n.text))
                    .code("cidr::not-rfc1918")
                    .address(&cluster.address)
                    .attribute(n.at.clone())
                    .help(
                        "EKS Hybrid Nodes accept only 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 (CGNAT 100.64.0.0/10 \
                         and public ranges are rejected): renumber, e.g. 192.168.0.0/16 for nodes and 10.244.0.0/16 for pods",
                    ),
            );
        }
        nets.push(n);
    }
    let service_at = path(&["kubernetes_network_config", "service_ipv4_cidr"]);
    if let Some((text, net)) = cidr_at(&cluster.config, &service_at) {
        let n = Net { res: cluster, at: service_at, text, net, what: "service CIDR" };
        host_bits(&n, out);
        if !is_rfc1918(&net) {
            out.push(
                Diagnostic::error(format!("service CIDR {} is not an RFC 1918 network", n.text))
                    .code("cidr::not-rfc1918")
                    .address(&cluster.address)
                    .attribute(n.at.clone())
                    .help("use a private range outside the VPC and the remote networks, e.g. \"10.96.0.0/16\""),
            );
        } else if !(12..=24).contains(&net.prefix_len()) {
            out.push(
                Diagnostic::error(format!("service CIDR {} must be /12 to /24, not /{}", n.text, net.prefix_len()))
                    .code("cidr::service-size")
                    .address(&cluster.address)
                    .attribute(n.at.clone())
                    .help("use a /12 to /24, e.g. \"10.96.0.0/16\"; it is set at cluster creation only"),
            );
        }
        nets.push(n);
    }
    pairwise_overlaps(&nets, out);
    for n in &nets {
        for v in vpcs.iter().filter(|v| overlaps(&v.net, &n.net)) {
            out.push(overlap_diag(
                n,
                v,
                "remote networks and the service CIDR must lie outside the cluster's VPC CIDRs: pick a range the \
                 VPC does not use",
            ));
        }
    }
}

/// The clusters a node pool joins: by reference from `cluster_name`, else by name.
fn pool_clusters<'a>(stack: &Stack<'a>, pool: &PlannedResource) -> Vec<&'a PlannedResource> {
    let linked = stack.linked(pool, "cluster_name", &AttrPath::attr("cluster_name"), "aws_eks_cluster");
    if !linked.is_empty() {
        return linked;
    }
    let Some(name) = pool.config.get("cluster_name").and_then(Value::as_str) else { return Vec::new() };
    stack.of_type("aws_eks_cluster").filter(|c| c.config.get("name").and_then(Value::as_str) == Some(name)).collect()
}

/// On-prem node pools: Calico's default pool collides with a 192.168.0.0/16 node network;
/// a declared pod CIDR belongs inside the cluster's remote pod networks.
fn node_pools(stack: &Stack<'_>, out: &mut Vec<Diagnostic>) {
    let calico: Ipv4Net = CALICO_DEFAULT_POOL.parse().expect("constant CIDR");
    for pool in stack.of_type("onprem_node_pool") {
        let clusters = pool_clusters(stack, pool);
        let remotes: Vec<(&PlannedResource, RemoteNet)> =
            clusters.iter().flat_map(|c| remote_networks(c).into_iter().map(move |n| (*c, n))).collect();
        let is_calico =
            pool.config.get("cni").and_then(Value::as_str).is_some_and(|c| c.eq_ignore_ascii_case("calico"));
        let pod_cidr = pool.config.get("pod_cidr");
        if is_calico && pod_cidr.is_none_or(Value::is_null) {
            if let Some((cluster, node)) = remotes.iter().find(|(_, n)| n.kind == NODE && overlaps(&n.net, &calico)) {
                out.push(
                    Diagnostic::warning(format!(
                        "Calico's default IP pool {CALICO_DEFAULT_POOL} collides with the remote node network {}",
                        node.text
                    ))
                    .code("cidr::calico-default-pool")
                    .address(&pool.address)
                    .attribute(AttrPath::attr("cni"))
                    .related(&cluster.address, Some(node.at.clone()), format!("the node network ({})", node.text))
                    .help(
                        "set the pool explicitly: pod_cidr = \"10.244.0.0/16\" (one of the cluster's remote pod \
                         networks), and the same CIDR in Calico's IPPool",
                    ),
                );
            }
        }
        let at = AttrPath::attr("pod_cidr");
        let Some((text, net)) = cidr_at(&pool.config, &at) else { continue };
        host_bits(&Net { res: pool, at: at.clone(), text: text.clone(), net, what: "pod CIDR" }, out);
        let pods: Vec<&(&PlannedResource, RemoteNet)> = remotes.iter().filter(|(_, n)| n.kind != NODE).collect();
        if let Some((cluster, _)) = pods.first() {
            if !pods.iter().any(|(_, p)| p.net.trunc().contains(&net.trunc())) {
                let listed: Vec<&str> = pods.iter().map(|(_, p)| p.text.as_str()).collect();
                out.push(
                    Diagnostic::warning(format!(
                        "pod CIDR {text} is not inside the cluster's remote pod networks ({})",
                        listed.join(", ")
                    ))
                    .code("cidr::pod-cidr-not-remote")
                    .address(&pool.address)
                    .attribute(at)
                    .related(&cluster.address, Some(path(&["remote_network_config"])), "the cluster's remote networks")
                    .help(
                        "pods outside the remote pod networks are not routable from the control plane (webhooks, \
                         logs, exec): use a range inside them, or add this one to remote_pod_networks",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{codes, list, planned};
    use super::*;

    fn cluster(nodes: &str, pods: &str, service: &str) -> PlannedResource {
        let cidrs = |c: &str| Value::List(vec![Value::map([("cidrs", list(&[c]))])]);
        planned(
            "aws_eks_cluster.hybrid",
            Value::map([
                ("name", Value::from("hybrid")),
                ("kubernetes_network_config", Value::map([("service_ipv4_cidr", Value::from(service))])),
                (
                    "remote_network_config",
                    Value::map([("remote_node_networks", cidrs(nodes)), ("remote_pod_networks", cidrs(pods))]),
                ),
            ]),
            &[],
        )
    }

    fn run(resources: &[PlannedResource]) -> Vec<String> {
        codes(&check(&Stack::new(resources)))
    }

    #[test]
    fn the_reference_plan_is_clean() {
        let vpc = planned("aws_vpc.main", Value::map([("cidr_block", Value::from("10.0.0.0/16"))]), &[]);
        assert!(run(&[vpc, cluster("192.168.0.0/16", "10.244.0.0/16", "10.96.0.0/16")]).is_empty());
    }

    #[test]
    fn overlaps_name_both_sides() {
        let vpc = planned("aws_vpc.main", Value::map([("cidr_block", Value::from("10.0.0.0/16"))]), &[]);
        let c = cluster("192.168.0.0/16", "10.0.0.0/20", "10.96.0.0/16");
        let diags = check(&Stack::new(&[vpc, c]));
        assert_eq!(codes(&diags), ["cidr::overlap"]);
        assert_eq!(diags[0].related[0].address, "aws_vpc.main");
        assert_eq!(diags[0].attribute, AttrPath::parse("remote_network_config.remote_pod_networks[0].cidrs[0]"));
    }

    #[test]
    fn sizes_ranges_and_host_bits() {
        assert_eq!(run(&[cluster("100.64.0.0/16", "10.244.0.0/16", "10.96.0.0/16")]), ["cidr::not-rfc1918"]);
        assert_eq!(run(&[cluster("192.168.0.0/16", "10.244.0.0/16", "10.96.0.0/25")]), ["cidr::service-size"]);
        assert_eq!(run(&[cluster("192.168.1.0/16", "10.244.0.0/16", "10.96.0.0/16")]), ["cidr::host-bits"]);
        assert_eq!(
            run(&[cluster("192.168.0.0/16", "10.96.0.0/16", "10.96.0.0/16")]),
            ["cidr::overlap"],
            "a pod network equal to the service CIDR"
        );
    }

    #[test]
    fn unknown_values_are_skipped() {
        let vpc = planned("aws_vpc.main", Value::map([("cidr_block", Value::Unknown)]), &[]);
        let sub = planned(
            "aws_subnet.a",
            Value::map([("vpc_id", Value::Unknown), ("cidr_block", Value::from("10.1.0.0/24"))]),
            &[("vpc_id", "aws_vpc.main")],
        );
        assert!(run(&[vpc, sub]).is_empty());
    }
}
