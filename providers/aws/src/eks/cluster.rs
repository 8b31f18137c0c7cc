//! `aws_eks_cluster`: an EKS control plane, with the remote node and pod networks of EKS Hybrid
//! Nodes. `remote_network_config`, endpoint access, the Kubernetes version and the
//! authentication mode change in place (UpdateClusterConfig / UpdateClusterVersion, one update
//! at a time, each waited on with DescribeUpdate); never by replacing the cluster.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{
    AuthenticationMode, ClusterStatus, CreateAccessConfigRequest, IpFamily, KubernetesNetworkConfigRequest,
    RemoteNetworkConfigRequest, RemoteNodeNetwork, RemotePodNetwork, UpdateAccessConfigRequest, VpcConfigRequest,
};
use ipnet::Ipv4Net;
use tether_sdk::{
    AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, PathStep, ReadItem, ResourceSchema, Value,
};

use super::{creation_tags, owned_by_us, read_tags, string_set, strings, update_tags, wait_update};
use crate::common::{
    aws_error, bool_of, canonical_cidr, is_not_found, opt_str, report_adopted, str_of, wait_status, Ctx,
};
use crate::resource::{read_one, AwsResource};

pub struct Cluster;

const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn cidrs_block() -> BlockType {
    BlockType::list(Block::new().attr("cidrs", Attribute::required(AttrType::set_of(AttrType::String)))).max(1)
}

#[async_trait]
impl AwsResource for Cluster {
    fn type_name(&self) -> &'static str {
        "aws_eks_cluster"
    }

    fn schema(&self) -> ResourceSchema {
        let vpc_config = Block::new()
            .attr("subnet_ids", Attribute::required(AttrType::set_of(AttrType::String)).force_new())
            .attr("security_group_ids", Attribute::optional_computed(AttrType::set_of(AttrType::String)).force_new())
            .attr("endpoint_private_access", Attribute::optional_computed(AttrType::Bool))
            .attr("endpoint_public_access", Attribute::optional_computed(AttrType::Bool))
            .attr("public_access_cidrs", Attribute::optional_computed(AttrType::set_of(AttrType::String)))
            .attr("vpc_id", Attribute::computed(AttrType::String));
        let k8s_net = Block::new()
            .attr("service_ipv4_cidr", Attribute::optional_computed(AttrType::String).force_new())
            .attr("ip_family", Attribute::optional_computed(AttrType::String).force_new());
        let remote =
            Block::new().block("remote_node_networks", cidrs_block()).block("remote_pod_networks", cidrs_block());
        let access = Block::new().attr("authentication_mode", Attribute::optional_computed(AttrType::String)).attr(
            "bootstrap_cluster_creator_admin_permissions",
            Attribute::optional_computed(AttrType::Bool).force_new(),
        );
        ResourceSchema::new(
            "An EKS cluster (control plane), optionally with remote networks for hybrid nodes.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("name", Attribute::required(AttrType::String).force_new())
                .attr("role_arn", Attribute::required(AttrType::String).force_new())
                .attr("version", Attribute::optional_computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("endpoint", Attribute::computed(AttrType::String))
                .attr("status", Attribute::computed(AttrType::String))
                .attr("platform_version", Attribute::computed(AttrType::String))
                .attr("cluster_security_group_id", Attribute::computed(AttrType::String))
                .attr(
                    "certificate_authority",
                    Attribute::computed(AttrType::list_of(AttrType::map_of(AttrType::String)))
                        .describe("[{ data = base64 CA certificate }]"),
                )
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
                .block("vpc_config", BlockType::single(vpc_config).min(1))
                .block("kubernetes_network_config", BlockType::single(k8s_net))
                .block("remote_network_config", BlockType::single(remote))
                .block("access_config", BlockType::single(access)),
        )
        .high_impact("every workload on the cluster, in the VPC and on-prem, goes down with the control plane")
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        let last = path.0.last();
        let is = |name: &str| matches!(last, Some(PathStep::Attr(a)) if a == name);
        if is("service_ipv4_cidr") {
            canonical_cidr(v)
        } else if is("cidrs") || is("public_access_cidrs") {
            match v {
                Value::List(items) => Value::List(items.into_iter().map(canonical_cidr).collect()),
                other => other,
            }
        } else if is("ip_family") || is("authentication_mode") {
            match v.as_str() {
                Some(s) if is("ip_family") => Value::from(s.to_ascii_lowercase()),
                Some(s) => Value::from(s.to_ascii_uppercase()),
                None => v,
            }
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        validate_cluster(config)
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        // DescribeCluster takes one name: one call per cluster, concurrently (clusters are few).
        let reads = items.iter().map(|i| async move { (i, describe(cx, &i.id).await) });
        let mut out = BTreeMap::new();
        for (item, found) in futures_util::future::join_all(reads).await {
            if let Some(c) = found? {
                out.insert(item.id.clone(), to_value(cx, &c, Some(&item.prior).filter(|p| !p.is_null())));
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic> {
        let name = str_of(planned, "name").unwrap_or_default().to_string();
        match describe(cx, &name).await? {
            Some(c) if owned_by_us(cx, c.tags()) => {
                report_adopted(cx, &format!("EKS cluster {name}"));
            }
            Some(_) => {
                return Err(Diagnostic::error(format!("an EKS cluster named {name} already exists"))
                    .code("aws::ResourceInUseException")
                    .address(cx.address)
                    .help(format!("it was not created by this stack: import it with `tether import {} {name}`, or choose another name", cx.address)))
            }
            None => {
                let vpc = planned.get("vpc_config").cloned().unwrap_or_default();
                let mut req = cx
                    .clients
                    .eks
                    .create_cluster()
                    .name(&name)
                    .role_arn(str_of(planned, "role_arn").unwrap_or_default())
                    .set_version(str_of(planned, "version").map(Into::into))
                    .resources_vpc_config(
                        VpcConfigRequest::builder()
                            .set_subnet_ids(Some(strings(vpc.get("subnet_ids"))))
                            .set_security_group_ids(Some(strings(vpc.get("security_group_ids"))))
                            .set_endpoint_private_access(bool_of(&vpc, "endpoint_private_access"))
                            .set_endpoint_public_access(bool_of(&vpc, "endpoint_public_access"))
                            .set_public_access_cidrs(
                                Some(strings(vpc.get("public_access_cidrs"))).filter(|v| !v.is_empty()),
                            )
                            .build(),
                    )
                    .set_tags(Some(creation_tags(cx, planned)))
                    .client_request_token(token);
                if let Some(k) = planned.get("kubernetes_network_config").filter(|k| !k.is_null()) {
                    req = req.kubernetes_network_config(
                        KubernetesNetworkConfigRequest::builder()
                            .set_service_ipv4_cidr(str_of(k, "service_ipv4_cidr").map(Into::into))
                            .set_ip_family(str_of(k, "ip_family").map(IpFamily::from))
                            .build(),
                    );
                }
                if let Some(r) = remote_request(planned) {
                    req = req.remote_network_config(r);
                }
                if let Some(a) = planned.get("access_config").filter(|a| !a.is_null()) {
                    req = req.access_config(
                        CreateAccessConfigRequest::builder()
                            .set_authentication_mode(str_of(a, "authentication_mode").map(AuthenticationMode::from))
                            .set_bootstrap_cluster_creator_admin_permissions(bool_of(
                                a,
                                "bootstrap_cluster_creator_admin_permissions",
                            ))
                            .build(),
                    );
                }
                req.send().await.map_err(|e| aws_error(cx.address, "CreateCluster", e))?;
            }
        }
        wait_active(cx, &name, CREATE_TIMEOUT).await?;
        read_one(self, cx, &name, planned).await?.ok_or_else(|| vanished(cx, &name))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let name = str_of(prior, "name").unwrap_or_default().to_string();
        let eks = &cx.clients.eks;
        // EKS runs one update at a time and each UpdateClusterConfig may carry one kind of change.
        if let Some(v) = str_of(planned, "version").filter(|v| str_of(prior, "version") != Some(*v)) {
            let out = eks
                .update_cluster_version()
                .name(&name)
                .version(v)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateClusterVersion", e))?;
            wait_update(cx, &name, None, out.update(), UPDATE_TIMEOUT).await?;
        }
        let (pv, nv) = (
            prior.get("vpc_config").cloned().unwrap_or_default(),
            planned.get("vpc_config").cloned().unwrap_or_default(),
        );
        let changed = |k: &str| nv.get(k).is_some_and(|n| !n.is_null() && !n.is_unknown() && Some(n) != pv.get(k));
        if changed("endpoint_private_access") || changed("endpoint_public_access") || changed("public_access_cidrs") {
            let out = eks
                .update_cluster_config()
                .name(&name)
                .resources_vpc_config(
                    VpcConfigRequest::builder()
                        .set_endpoint_private_access(bool_of(&nv, "endpoint_private_access"))
                        .set_endpoint_public_access(bool_of(&nv, "endpoint_public_access"))
                        .set_public_access_cidrs(Some(strings(nv.get("public_access_cidrs"))).filter(|v| !v.is_empty()))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateClusterConfig", e))?;
            wait_update(cx, &name, None, out.update(), UPDATE_TIMEOUT).await?;
        }
        if remote_view(prior) != remote_view(planned) {
            // Removing the remote networks is an empty request, not an absent one.
            let req = remote_request(planned).unwrap_or_else(|| RemoteNetworkConfigRequest::builder().build());
            let out = eks
                .update_cluster_config()
                .name(&name)
                .remote_network_config(req)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateClusterConfig", e))?;
            wait_update(cx, &name, None, out.update(), UPDATE_TIMEOUT).await?;
        }
        let mode =
            |v: &Value| v.get("access_config").and_then(|a| str_of(a, "authentication_mode")).map(str::to_string);
        if let Some(m) = mode(planned).filter(|m| mode(prior).as_ref() != Some(m)) {
            let out = eks
                .update_cluster_config()
                .name(&name)
                .access_config(
                    UpdateAccessConfigRequest::builder()
                        .authentication_mode(AuthenticationMode::from(m.as_str()))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateClusterConfig", e))?;
            wait_update(cx, &name, None, out.update(), UPDATE_TIMEOUT).await?;
        }
        let arn = str_of(prior, "arn").unwrap_or_default().to_string();
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &name, planned).await?.ok_or_else(|| vanished(cx, &name))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let name = str_of(prior, "name").or_else(|| str_of(prior, "id")).unwrap_or_default().to_string();
        match cx.clients.eks.delete_cluster().name(&name).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteCluster", e)),
        }
        crate::common::wait_gone(cx, "aws_eks_cluster", &name, "EKS cluster", DELETE_TIMEOUT, |names| {
            statuses(cx, names)
        })
        .await
    }
}

fn vanished(cx: &Ctx<'_>, name: &str) -> Diagnostic {
    crate::common::vanished(cx, "EKS cluster", name, "ResourceNotFoundException")
}

/// DescribeCluster; `None` when it does not exist.
async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<aws_sdk_eks::types::Cluster>, Diagnostic> {
    match cx.clients.eks.describe_cluster().name(name).send().await {
        Ok(out) => Ok(out.cluster().cloned()),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(aws_error(cx.address, "DescribeCluster", e)),
    }
}

/// The status of each named cluster that exists (one DescribeCluster each: EKS has no batch).
async fn statuses(cx: &Ctx<'_>, names: Vec<String>) -> Result<BTreeMap<String, String>, Diagnostic> {
    let reads = names.into_iter().map(|n| async move { (n.clone(), describe(cx, &n).await) });
    let mut out = BTreeMap::new();
    for (n, c) in futures_util::future::join_all(reads).await {
        if let Some(c) = c? {
            out.insert(n, c.status().map(|s| s.as_str().to_string()).unwrap_or_default());
        }
    }
    Ok(out)
}

async fn wait_active(cx: &Ctx<'_>, name: &str, timeout: Duration) -> Result<(), Diagnostic> {
    let address = cx.address.to_string();
    wait_status(
        cx,
        "aws_eks_cluster",
        name,
        &format!("EKS cluster {name} to become ACTIVE (usually 10-15 min)"),
        timeout,
        |names| statuses(cx, names),
        |s| match s {
            Some(s) if s == ClusterStatus::Active.as_str() => Ok(true),
            Some(s) if s == ClusterStatus::Failed.as_str() => {
                Err(Diagnostic::error(format!("EKS cluster {name} failed to create"))
                    .code("aws::eks-cluster-failed")
                    .address(&address)
                    .help("check the cluster role, subnets and quotas; destroy it and apply again"))
            }
            Some(_) => Ok(false),
            None => Err(Diagnostic::error(format!("EKS cluster {name} disappeared while being created"))
                .code("aws::ResourceNotFoundException")
                .address(&address)),
        },
    )
    .await
}

/// The remote networks as (node CIDRs, pod CIDRs), sorted, for comparison.
fn remote_view(v: &Value) -> (Vec<String>, Vec<String>) {
    let r = v.get("remote_network_config").cloned().unwrap_or_default();
    let cidrs = |k: &str| {
        let mut all: Vec<String> =
            r.get(k).and_then(Value::as_list).unwrap_or(&[]).iter().flat_map(|n| strings(n.get("cidrs"))).collect();
        all.sort();
        all
    };
    (cidrs("remote_node_networks"), cidrs("remote_pod_networks"))
}

fn remote_request(v: &Value) -> Option<RemoteNetworkConfigRequest> {
    if v.get("remote_network_config").is_none_or(Value::is_null) {
        return None;
    }
    let (nodes, pods) = remote_view(v);
    let mut b = RemoteNetworkConfigRequest::builder();
    if !nodes.is_empty() {
        b = b.remote_node_networks(RemoteNodeNetwork::builder().set_cidrs(Some(nodes)).build());
    }
    if !pods.is_empty() {
        b = b.remote_pod_networks(RemotePodNetwork::builder().set_cidrs(Some(pods)).build());
    }
    Some(b.build())
}

fn to_value(cx: &Ctx<'_>, c: &aws_sdk_eks::types::Cluster, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(cx, c.tags(), prior);
    let prior_block = |k: &str| prior.and_then(|p| p.get(k)).cloned().unwrap_or(Value::Null);
    let vpc = c.resources_vpc_config();
    let vpc_config = match vpc {
        Some(v) => Value::map([
            ("subnet_ids", string_set(v.subnet_ids())),
            ("security_group_ids", string_set(v.security_group_ids())),
            ("endpoint_private_access", Value::Bool(v.endpoint_private_access())),
            ("endpoint_public_access", Value::Bool(v.endpoint_public_access())),
            (
                "public_access_cidrs",
                if v.public_access_cidrs.is_some() { string_set(v.public_access_cidrs()) } else { Value::Null },
            ),
            ("vpc_id", opt_str(v.vpc_id())),
        ]),
        None => Value::Null,
    };
    // Blocks the API always fills in with server defaults read as unset when the stack never
    // set them (it can't change them afterwards anyway); a fresh import shows them.
    let stack_left_unset = |k: &str| prior.is_some() && prior_block(k).is_null();
    let k8s = match c.kubernetes_network_config() {
        _ if stack_left_unset("kubernetes_network_config") => Value::Null,
        Some(k) => {
            let prior_family = prior_block("kubernetes_network_config").get("ip_family").cloned();
            Value::map([
                ("service_ipv4_cidr", opt_str(k.service_ipv4_cidr())),
                (
                    "ip_family",
                    // Real EKS always returns ipFamily; some emulators don't: keep what we had.
                    match k.ip_family() {
                        Some(f) => Value::from(f.as_str()),
                        None => prior_family.unwrap_or(Value::Null),
                    },
                ),
            ])
        }
        None => Value::Null,
    };
    let remote = match c.remote_network_config() {
        Some(r) if !r.remote_node_networks().is_empty() || !r.remote_pod_networks().is_empty() => {
            let node: Vec<Value> =
                r.remote_node_networks().iter().map(|n| Value::map([("cidrs", string_set(n.cidrs()))])).collect();
            let pod: Vec<Value> =
                r.remote_pod_networks().iter().map(|n| Value::map([("cidrs", string_set(n.cidrs()))])).collect();
            Value::map([
                ("remote_node_networks", if node.is_empty() { Value::Null } else { Value::List(node) }),
                ("remote_pod_networks", if pod.is_empty() { Value::Null } else { Value::List(pod) }),
            ])
        }
        _ => Value::Null,
    };
    let access = match c.access_config() {
        _ if stack_left_unset("access_config") => Value::Null,
        Some(a) => Value::map([
            ("authentication_mode", opt_str(a.authentication_mode().map(|m| m.as_str()))),
            (
                "bootstrap_cluster_creator_admin_permissions",
                // Not returned after creation by every endpoint: keep the value it was created with.
                match a.bootstrap_cluster_creator_admin_permissions() {
                    Some(b) => Value::Bool(b),
                    None => prior_block("access_config")
                        .get("bootstrap_cluster_creator_admin_permissions")
                        .cloned()
                        .unwrap_or(Value::Null),
                },
            ),
        ]),
        // The emulator does not implement access config: keep what the stack had.
        None => prior_block("access_config"),
    };
    let ca = c
        .certificate_authority()
        .and_then(|ca| ca.data())
        .map(|d| Value::List(vec![Value::map([("data", Value::from(d))])]))
        .unwrap_or(Value::Null);
    Value::map([
        ("id", opt_str(c.name())),
        ("name", opt_str(c.name())),
        ("role_arn", opt_str(c.role_arn())),
        ("version", opt_str(c.version())),
        ("arn", opt_str(c.arn())),
        ("endpoint", opt_str(c.endpoint())),
        ("status", opt_str(c.status().map(|s| s.as_str()))),
        ("platform_version", opt_str(c.platform_version())),
        ("cluster_security_group_id", opt_str(vpc.and_then(|v| v.cluster_security_group_id()))),
        ("certificate_authority", ca),
        ("tags", tags),
        ("tags_all", tags_all),
        ("vpc_config", vpc_config),
        ("kubernetes_network_config", k8s),
        ("remote_network_config", remote),
        ("access_config", access),
    ])
}

// ---- plan-time checks (DOMAIN rules for hybrid clusters) ----

/// Per-cluster syntax: CIDRs that parse and an authentication mode EKS knows. The address plan
/// (RFC 1918, sizes, overlaps) and what a hybrid cluster must be are checked across the whole
/// stack in `checks::cidr` and `checks::eks`.
fn validate_cluster(config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let path = |parts: &[&str]| AttrPath(parts.iter().map(|p| PathStep::Attr(p.to_string())).collect());
    let service = config.get("kubernetes_network_config").and_then(|k| str_of(k, "service_ipv4_cidr"));
    if let Some(s) = service.filter(|s| s.parse::<Ipv4Net>().is_err()) {
        out.push(
            Diagnostic::error(format!("{s:?} is not an IPv4 CIDR block"))
                .code("aws::invalid-cidr")
                .attribute(path(&["kubernetes_network_config", "service_ipv4_cidr"]))
                .help("write it like 10.96.0.0/16"),
        );
    }
    let remote = config.get("remote_network_config").filter(|r| !r.is_null());
    for kind in ["remote_node_networks", "remote_pod_networks"] {
        let Some(list) = remote.and_then(|r| r.get(kind)).and_then(Value::as_list) else { continue };
        for (i, net) in list.iter().enumerate() {
            let Some(cidrs) = net.get("cidrs").and_then(Value::as_list) else { continue };
            for (j, c) in cidrs.iter().enumerate() {
                let Some(c) = c.as_str().filter(|c| c.parse::<Ipv4Net>().is_err()) else { continue };
                let mut p = path(&["remote_network_config", kind]);
                p.0.extend([PathStep::Index(i), PathStep::Attr("cidrs".into()), PathStep::Index(j)]);
                out.push(
                    Diagnostic::error(format!("{c:?} is not an IPv4 CIDR block"))
                        .code("aws::invalid-cidr")
                        .attribute(p)
                        .help("write it like 192.168.0.0/16"),
                );
            }
        }
    }
    if let Some(m) = config.get("access_config").and_then(|a| str_of(a, "authentication_mode")) {
        if !["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"].contains(&m.to_ascii_uppercase().as_str()) {
            out.push(
                Diagnostic::error(format!(
                    "authentication_mode {m:?} is not one of API, API_AND_CONFIG_MAP, CONFIG_MAP"
                ))
                .code("aws::invalid-value")
                .attribute(path(&["access_config", "authentication_mode"]))
                .help("use \"API\" for new clusters"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(remote_nodes: &str, pods: &str, service: &str) -> Value {
        let cidrs = |c: &str| Value::List(vec![Value::map([("cidrs", Value::List(vec![Value::from(c)]))])]);
        Value::map([
            ("name", Value::from("c")),
            ("kubernetes_network_config", Value::map([("service_ipv4_cidr", Value::from(service))])),
            (
                "remote_network_config",
                Value::map([("remote_node_networks", cidrs(remote_nodes)), ("remote_pod_networks", cidrs(pods))]),
            ),
        ])
    }

    #[test]
    fn cidrs_must_parse() {
        assert!(validate_cluster(&cfg("192.168.0.0/16", "10.244.0.0/16", "10.96.0.0/16")).is_empty());
        let codes = |v: Value| validate_cluster(&v).into_iter().map(|d| d.code.unwrap_or_default()).collect::<Vec<_>>();
        assert_eq!(codes(cfg("192.168.0.0/33", "10.244.0.0/16", "10.96.0.0/16")), ["aws::invalid-cidr"]);
        assert_eq!(codes(cfg("192.168.0.0/16", "10.244.0.0/16", "nope")), ["aws::invalid-cidr"]);
    }

    #[test]
    fn canonical_forms() {
        let c = Cluster;
        let p = AttrPath::parse("remote_network_config.remote_node_networks[0].cidrs").unwrap();
        assert_eq!(
            c.canonicalize(&p, Value::List(vec![Value::from("192.168.1.5/16")])),
            Value::List(vec![Value::from("192.168.0.0/16")])
        );
        let p = AttrPath::parse("access_config.authentication_mode").unwrap();
        assert_eq!(c.canonicalize(&p, Value::from("api")), Value::from("API"));
    }
}
