//! The `onprem` provider: files on the machine running tether that the on-prem side of an EKS
//! hybrid cluster consumes.
//!
//! - `onprem_node_pool`: a pool of on-prem servers joining the cluster as hybrid nodes, rendered
//!   as one nodeadm `NodeConfig` YAML file (mode 0600: it holds the SSM activation code).
//! - `onprem_dns_forward_zone`: one BIND forward zone statement (mode 0644).
//! - `onprem_strongswan_vpn`: the customer side of an AWS site-to-site VPN, a strongSwan
//!   `swanctl.conf` with both tunnels (mode 0600: it holds the pre-shared keys).
//!
//! The "cloud" is the file system. Files are written atomically (temp file, fsync, rename, fsync
//! of the directory). State never holds a file's content, only its SHA-256 (`config_sha256`):
//! reading recomputes the hash of the file on disk, so a hand edit shows as drift (the plan
//! re-renders the file) and a deleted file shows as gone (the plan creates it again).

mod cost;
mod render;
mod validate;

use std::path::Path;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tether_sdk::{
    ApplyRequest, ApplyResponse, AttrType, Attribute, Block, BlockType, Change, ConfigureRequest, CostEstimate,
    CostRequest, DataRequest, DataResponse, Diagnostic, ImportRequest, ImportResponse, PlanRequest, PlanResponse,
    Provider, ProviderSchema, ReadRequest, ReadResponse, ReadResult, ResourceSchema, Value,
};

pub use render::{containerd_toml, forward_zone, node_config};
pub use render::{registry_hosts_toml, swanctl_conf};
pub use validate::{
    is_go_duration, label_key_problem, parse_taint, validate_node_pool, validate_strongswan, validate_zone,
};

pub const NODE_POOL: &str = "onprem_node_pool";
pub const FORWARD_ZONE: &str = "onprem_dns_forward_zone";
pub const STRONGSWAN: &str = "onprem_strongswan_vpn";

/// Attributes the provider computes, never the stack.
const COMPUTED: [&str; 8] = [
    "id",
    "config_path",
    "config_sha256",
    "nodeadm_command",
    "nodeadm_install_command",
    "join_commands",
    "registry_hosts_path",
    "total_vcpus",
];

/// The on-prem provider. It holds no settings: its provider block is empty.
#[derive(Debug)]
pub struct OnpremProvider {
    schema: ProviderSchema,
}

impl Default for OnpremProvider {
    fn default() -> Self {
        OnpremProvider::new()
    }
}

impl OnpremProvider {
    pub fn new() -> OnpremProvider {
        OnpremProvider { schema: onprem_schema() }
    }
}

fn onprem_schema() -> ProviderSchema {
    let s = || AttrType::String;
    let num = || AttrType::Number;

    let ssm = Block::new()
        .attr("activation_id", Attribute::required(s()).describe("the SSM hybrid activation's id"))
        .attr("activation_code", Attribute::required(s()).sensitive().describe("the SSM hybrid activation's code"));
    let ira = Block::new()
        .attr("node_name", Attribute::required(s()).describe("the node name (must match the certificate)"))
        .attr("trust_anchor_arn", Attribute::required(s()))
        .attr("profile_arn", Attribute::required(s()))
        .attr("role_arn", Attribute::required(s()))
        .attr("certificate_path", Attribute::optional(s()).describe("on the node; nodeadm's default if unset"))
        .attr("private_key_path", Attribute::optional(s()).describe("on the node; nodeadm's default if unset"));
    let mirror = Block::new()
        .attr("host", Attribute::required(s()).describe("the registry mirrored, e.g. docker.io"))
        .attr("endpoint", Attribute::required(s()).describe("the mirror's URL, e.g. https://harbor.corp.local"))
        .attr("ca_file", Attribute::optional(s()).describe("the CA bundle (a path on the node) for the mirror's TLS"))
        .attr(
            "credentials_file",
            Attribute::optional(s()).describe(
                "a Docker config JSON on the node with the mirror's pull credentials; installed as kubelet's \
                 /var/lib/kubelet/config.json, never copied into a rendered file",
            ),
        );
    let containerd = Block::new()
        .attr("nvidia_runtime", Attribute::optional(AttrType::Bool).describe("make the nvidia runtime the default"))
        .block("registry_mirror", BlockType::single(mirror));

    let pool = Block::new()
        .attr("id", Attribute::computed(s()).describe("the NodeConfig file's path"))
        .attr("cluster_name", Attribute::required(s()))
        .attr("region", Attribute::required(s()))
        .attr(
            "kubernetes_version",
            Attribute::optional(s()).describe("what `nodeadm install` installs: the cluster's version, e.g. 1.33"),
        )
        .attr("node_count", Attribute::required(num()).describe("servers in the pool"))
        .attr("vcpus_per_node", Attribute::optional(num()).describe("vCPUs per server; what the pool is billed on"))
        .attr(
            "vcpu_hour_rate",
            Attribute::optional(num()).describe(
                "USD per vCPU-hour for cost estimates; default 0.1099 (Amazon EKS pricing, Hybrid Nodes, 2026-11-22)",
            ),
        )
        .attr("output_dir", Attribute::optional(s()).describe("write <dir>/<address>.yaml (or set output_path)"))
        .attr("output_path", Attribute::optional(s()).describe("the NodeConfig file to write"))
        .attr("labels", Attribute::optional(AttrType::map_of(s())).describe("kubelet --node-labels"))
        .attr("taints", Attribute::optional(AttrType::list_of(s())).describe("key=value:Effect"))
        .attr("max_pods", Attribute::optional(num()))
        .attr("shutdown_grace_period", Attribute::optional(s()).describe("a Go duration, e.g. 30s"))
        .attr(
            "cni",
            Attribute::optional(s()).describe("the pool's CNI: calico or cilium (checked against the network)"),
        )
        .attr(
            "pod_cidr",
            Attribute::optional(s()).describe(
                "the CNI's pod IP pool, inside the cluster's remote pod networks (Calico defaults to 192.168.0.0/16)",
            ),
        )
        .attr("config_path", Attribute::computed(s()))
        .attr("config_sha256", Attribute::computed(s()).describe("SHA-256 of the rendered file"))
        .attr("nodeadm_command", Attribute::computed(s()).describe("nodeadm init with the rendered NodeConfig"))
        .attr(
            "nodeadm_install_command",
            Attribute::computed(s())
                .describe("nodeadm install <kubernetes_version> --credential-provider <ssm|iam-ra>, run before init"),
        )
        .attr(
            "join_commands",
            Attribute::computed(AttrType::list_of(s()))
                .describe("every step on a node, in order, ending in nodeadm init"),
        )
        .attr(
            "registry_hosts_path",
            Attribute::computed(s()).describe("the rendered containerd hosts.toml of the registry mirror"),
        )
        .attr("total_vcpus", Attribute::computed(num()).describe("node_count x vcpus_per_node"))
        .block("ssm", BlockType::single(ssm))
        .block("iam_roles_anywhere", BlockType::single(ira))
        .block("containerd", BlockType::single(containerd));

    let zone = Block::new()
        .attr("id", Attribute::computed(s()).describe("the zone file's path"))
        .attr("zone_name", Attribute::required(s()).describe("e.g. eks.amazonaws.com"))
        .attr("forwarders", Attribute::required(AttrType::list_of(s())).describe("IPv4 addresses"))
        .attr("forward_only", Attribute::optional_computed(AttrType::Bool).describe("defaults to true"))
        .attr("output_path", Attribute::required(s()))
        .attr("config_sha256", Attribute::computed(s()).describe("SHA-256 of the rendered file"));

    let mut vpn = Block::new()
        .attr("id", Attribute::computed(s()).describe("the swanctl.conf file's path"))
        .attr("output_path", Attribute::required(s()).describe("where to write swanctl.conf"))
        .attr(
            "local_address",
            Attribute::required(s()).describe("the on-prem device's public IP (the customer gateway)"),
        )
        .attr("ike_proposals", Attribute::optional(s()).describe("IKE proposals (aes256-sha256-modp2048)"))
        .attr("esp_proposals", Attribute::optional(s()).describe("ESP proposals (aes256-sha256-modp2048)"))
        .attr("local_traffic_selector", Attribute::optional(s()).describe("on-prem side, 0.0.0.0/0 by default"))
        .attr("remote_traffic_selector", Attribute::optional(s()).describe("AWS side, 0.0.0.0/0 by default"))
        .attr("config_sha256", Attribute::computed(s()).describe("SHA-256 of the rendered file"));
    for t in ["tunnel1", "tunnel2"] {
        vpn = vpn
            .attr(&format!("{t}_address"), Attribute::required(s()).describe("the AWS end's outside IP"))
            .attr(
                &format!("{t}_preshared_key"),
                Attribute::required(s()).sensitive().describe("the tunnel's pre-shared key; only in the 0600 file"),
            )
            .attr(&format!("{t}_cgw_inside_address"), Attribute::optional(s()).describe("this side's tunnel address"))
            .attr(&format!("{t}_vgw_inside_address"), Attribute::optional(s()).describe("AWS's tunnel address"));
    }

    ProviderSchema {
        provider: Block::new(),
        resources: [
            (NODE_POOL.to_string(), ResourceSchema::new("an EKS hybrid node pool's nodeadm NodeConfig file", pool)),
            (FORWARD_ZONE.to_string(), ResourceSchema::new("an on-prem BIND forward zone file", zone)),
            (
                STRONGSWAN.to_string(),
                ResourceSchema::new("the customer side of an AWS site-to-site VPN: a strongSwan swanctl.conf", vpn),
            ),
        ]
        .into_iter()
        .collect(),
        data_sources: Default::default(),
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The file a resource writes: `output_path`, or `<output_dir>/<address>.yaml` with the address
/// made file-name safe.
fn target_path(type_name: &str, address: &str, config: &Value) -> Option<String> {
    if let Some(p) = validate::known_str(config, "output_path") {
        return Some(p.to_string());
    }
    if type_name != NODE_POOL {
        return None;
    }
    let dir = validate::known_str(config, "output_dir")?;
    let name: String = address
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .collect();
    Some(Path::new(dir).join(format!("{name}.yaml")).to_string_lossy().into_owned())
}

/// The rendered files of a resource, for a configuration whose inputs are known: the main one
/// (whose path is the resource's ID) and any beside it (a node pool's registry hosts.toml).
struct Rendered {
    path: String,
    content: String,
    mode: u32,
    extra: Vec<(String, String, u32)>,
}

impl Rendered {
    /// The hash recorded in state: of the main file alone, or of every file with its path.
    fn digest(&self) -> String {
        if self.extra.is_empty() {
            return sha256_hex(self.content.as_bytes());
        }
        let mut all = self.content.clone().into_bytes();
        for (path, content, _) in &self.extra {
            all.push(0);
            all.extend_from_slice(path.as_bytes());
            all.push(0);
            all.extend_from_slice(content.as_bytes());
        }
        sha256_hex(&all)
    }
}

/// Where a node pool's registry hosts.toml goes: beside the NodeConfig, in the layout containerd
/// expects under /etc/containerd/certs.d (`<host>/hosts.toml`).
fn hosts_path(main: &str, config: &Value) -> Option<String> {
    let host = render::mirror_host(config)?;
    let stem = main.strip_suffix(".yaml").unwrap_or(main);
    Some(format!("{stem}.certs.d/{host}/hosts.toml"))
}

fn render(type_name: &str, address: &str, config: &Value) -> Result<Rendered, String> {
    let path = target_path(type_name, address, config).ok_or("the output path is unset")?;
    let mut extra = Vec::new();
    let (content, mode) = match type_name {
        NODE_POOL => {
            if let (Some(hosts), Some(text)) = (hosts_path(&path, config), render::registry_hosts_toml(config)) {
                extra.push((hosts, text, 0o644));
            }
            (render::node_config(config)?, 0o600)
        }
        FORWARD_ZONE => (render::forward_zone(config)?, 0o644),
        STRONGSWAN => (render::swanctl_conf(config)?, 0o600),
        other => return Err(format!("unknown resource type {other}")),
    };
    Ok(Rendered { path, content, mode, extra })
}

/// Fills the computed attributes of `value` from a rendering at `path` with hash `sha`.
fn with_computed(type_name: &str, mut value: Value, path: &str, sha: &str) -> Value {
    let hosts = if type_name == NODE_POOL { hosts_path(path, &value) } else { None };
    let Value::Map(m) = &mut value else { return value };
    m.insert("id".into(), path.into());
    m.insert("config_sha256".into(), sha.into());
    if type_name == NODE_POOL {
        m.insert("config_path".into(), path.into());
        let init = format!("nodeadm init --config-source file://{path}");
        m.insert("nodeadm_command".into(), init.clone().into());
        let provider = if m.get("iam_roles_anywhere").is_some_and(|v| !v.is_null()) { "iam-ra" } else { "ssm" };
        let install = m
            .get("kubernetes_version")
            .and_then(Value::as_str)
            .map(|v| format!("nodeadm install {v} --credential-provider {provider}"));
        m.insert("nodeadm_install_command".into(), install.clone().map(Value::from).unwrap_or_default());
        // Each step as a node runs it: the registry configuration first (containerd reads it
        // when it pulls), then nodeadm.
        let mut steps = Vec::new();
        if let (Some(h), Some(host)) = (&hosts, render::mirror_host(&Value::Map(m.clone()))) {
            steps.push(format!("install -D -m 0644 {h} /etc/containerd/certs.d/{host}/hosts.toml"));
        }
        let creds = m
            .get("containerd")
            .and_then(|c| c.get("registry_mirror"))
            .and_then(|r| r.get("credentials_file"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(c) = creds {
            steps.push(format!("install -D -m 0600 {c} /var/lib/kubelet/config.json"));
        }
        steps.extend(install);
        steps.push(init);
        m.insert("join_commands".into(), Value::List(steps.into_iter().map(Value::from).collect()));
        m.insert("registry_hosts_path".into(), hosts.map(Value::from).unwrap_or_default());
        let total = match (m.get("node_count").and_then(Value::as_i64), m.get("vcpus_per_node").and_then(Value::as_i64))
        {
            (Some(n), Some(v)) => Value::int(n * v),
            _ => Value::Null,
        };
        m.insert("total_vcpus".into(), total);
    } else if type_name == FORWARD_ZONE && m.get("forward_only").is_none_or(Value::is_null) {
        m.insert("forward_only".into(), true.into());
    }
    value
}

/// True when every input (non-computed attribute or block) of `v` is known.
fn inputs_known(v: &Value) -> bool {
    match v.as_map() {
        Some(m) => m.iter().filter(|(k, _)| !COMPUTED.contains(&k.as_str())).all(|(_, x)| x.is_wholly_known()),
        None => false,
    }
}

/// The hash `Rendered::digest` gives for the files on disk: the main file at `path` (`None`
/// when it does not exist) and the files beside it, a missing one read as empty (so it shows as
/// a change and the next apply writes it again).
fn files_digest(path: &str, extras: &[String]) -> std::io::Result<Option<String>> {
    if extras.is_empty() {
        return file_sha(path);
    }
    let mut all = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    for extra in extras {
        all.push(0);
        all.extend_from_slice(extra.as_bytes());
        all.push(0);
        match std::fs::read(extra) {
            Ok(bytes) => all.extend_from_slice(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(sha256_hex(&all)))
}

/// SHA-256 of the file at `path`; `None` when it does not exist.
fn file_sha(path: &str) -> std::io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(sha256_hex(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn io_diag(address: &str, doing: &str, path: &str, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("cannot {doing} {path}: {e}")).code("onprem::Io").address(address)
}

impl OnpremProvider {
    fn write(&self, req: &ApplyRequest, planned: &Value, prior_path: Option<&str>) -> Result<Value, Diagnostic> {
        let planned = planned.unmark_deep();
        let r = render(&req.type_name, &req.address, &planned).map_err(|e| {
            Diagnostic::error(format!("cannot render {}: {e}", req.address))
                .code("onprem::Render")
                .address(&req.address)
        })?;
        req.progress.report(&format!("writing {}", r.path));
        tether_fs::write_atomic(Path::new(&r.path), r.content.as_bytes(), r.mode)
            .map_err(|e| io_diag(&req.address, "write", &r.path, e))?;
        for (path, content, mode) in &r.extra {
            tether_fs::write_atomic(Path::new(path), content.as_bytes(), *mode)
                .map_err(|e| io_diag(&req.address, "write", path, e))?;
        }
        if let Some(old) = prior_path.filter(|old| *old != r.path) {
            // The file moved: the old one is no longer managed.
            if let Err(e) = std::fs::remove_file(old) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(io_diag(&req.address, "remove", old, e));
                }
            }
        }
        Ok(with_computed(&req.type_name, planned, &r.path, &r.digest()))
    }
}

#[async_trait]
impl Provider for OnpremProvider {
    fn name(&self) -> &str {
        "onprem"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        match type_name {
            NODE_POOL => validate::validate_node_pool(config),
            FORWARD_ZONE => validate::validate_zone(config),
            STRONGSWAN => validate::validate_strongswan(config),
            _ => Vec::new(),
        }
    }

    /// The schema's plan, plus what only this provider knows before apply: the file's path and
    /// the SHA-256 of what will be written. A planned hash that differs from the refreshed one
    /// (a hand edit, a changed input) is what makes the plan show an update.
    fn plan_resource(&self, req: PlanRequest) -> PlanResponse {
        let Some(schema) = self.schema.resources.get(&req.type_name) else {
            return PlanResponse {
                diagnostics: vec![Diagnostic::error(format!("unknown resource type {}", req.type_name))],
                ..PlanResponse::default()
            };
        };
        let mut resp = tether_sdk::plan::plan_with_schema(schema, &req, &|_, v| v);
        if let Value::Map(m) = &mut resp.planned {
            if req.type_name == FORWARD_ZONE && req.config.get("forward_only").is_none_or(Value::is_null) {
                m.insert("forward_only".into(), true.into());
            }
        }
        let plain = resp.planned.unmark_deep();
        if inputs_known(&plain) {
            match render(&req.type_name, &req.address, &plain) {
                Ok(r) => {
                    let planned = with_computed(&req.type_name, plain, &r.path, &r.digest());
                    // Keep the schema's sensitive marks on the inputs; computed values are plain.
                    if let (Value::Map(out), Value::Map(computed)) = (&mut resp.planned, planned) {
                        for name in COMPUTED {
                            if let Some(v) = computed.get(name) {
                                out.insert(name.to_string(), v.clone());
                            }
                        }
                        if let Some(v) = computed.get("forward_only") {
                            out.insert("forward_only".into(), v.clone());
                        }
                    }
                }
                Err(e) => resp.diagnostics.push(
                    Diagnostic::error(format!("cannot render {}: {e}", req.address))
                        .code("onprem::Render")
                        .address(&req.address),
                ),
            }
        } else if let Value::Map(out) = &mut resp.planned {
            for name in COMPUTED {
                if out.contains_key(name) {
                    out.insert(name.to_string(), Value::Unknown);
                }
            }
        }
        resp
    }

    fn monthly_cost(&self, req: &CostRequest<'_>) -> Option<CostEstimate> {
        (req.type_name == NODE_POOL).then(|| cost::node_pool(req.value))
    }

    async fn configure(&self, _req: ConfigureRequest) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Recomputes each file's hash: a missing file is gone, a different hash is drift.
    async fn read_resources(&self, req: ReadRequest) -> ReadResponse {
        let mut resp = ReadResponse::default();
        for item in &req.items {
            let extras: Vec<String> =
                item.prior.get("registry_hosts_path").and_then(Value::as_str).map(str::to_string).into_iter().collect();
            match files_digest(&item.id, &extras) {
                Ok(None) => resp.results.push(ReadResult { address: item.address.clone(), state: None }),
                Ok(Some(sha)) => {
                    let prior = match item.prior.unmark_deep() {
                        Value::Map(m) => Value::Map(m),
                        _ => Value::map([("output_path", Value::from(item.id.as_str()))]),
                    };
                    let state = with_computed(&req.type_name, prior, &item.id, &sha);
                    #[cfg(unix)]
                    if req.type_name == NODE_POOL {
                        use std::os::unix::fs::PermissionsExt as _;
                        if let Ok(meta) = std::fs::metadata(&item.id) {
                            if meta.permissions().mode() & 0o077 != 0 {
                                resp.diagnostics.push(
                                    Diagnostic::warning(format!(
                                        "{} is readable by others (mode {:o}); it holds the node credentials",
                                        item.id,
                                        meta.permissions().mode() & 0o777
                                    ))
                                    .code("onprem::FileMode")
                                    .address(&item.address)
                                    .help("chmod 600 it; the next apply that re-renders it restores 0600"),
                                );
                            }
                        }
                    }
                    resp.results.push(ReadResult { address: item.address.clone(), state: Some(state) });
                }
                Err(e) => resp.diagnostics.push(io_diag(&item.address, "read", &item.id, e)),
            }
        }
        resp
    }

    async fn apply_resource(&self, req: ApplyRequest) -> ApplyResponse {
        if !self.schema.resources.contains_key(&req.type_name) {
            return ApplyResponse {
                new_state: None,
                diagnostics: vec![
                    Diagnostic::error(format!("unknown resource type {}", req.type_name)).address(&req.address)
                ],
            };
        }
        let result = match &req.change {
            Change::Create { planned, .. } => self.write(&req, planned, None).map(Some),
            Change::Update { prior, planned } => {
                let old = prior.get("id").and_then(Value::as_str).map(str::to_string);
                self.write(&req, planned, old.as_deref()).map(Some)
            }
            Change::Delete { prior } => {
                let Some(path) = prior.get("id").and_then(Value::as_str) else {
                    return ApplyResponse::default();
                };
                let extras = prior.get("registry_hosts_path").and_then(Value::as_str);
                let removed = std::iter::once(path).chain(extras).try_for_each(|p| match std::fs::remove_file(p) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(io_diag(&req.address, "remove", p, e)),
                });
                // The hosts.toml's `<pool>.certs.d/<host>/` directories were made for it: remove
                // them when they are left empty (remove_dir refuses a directory with anything in it).
                if let Some(hosts) = extras.map(Path::new) {
                    for dir in hosts.ancestors().skip(1).take(2) {
                        let _ = std::fs::remove_dir(dir);
                    }
                }
                removed.map(|()| None)
            }
        };
        match result {
            Ok(new_state) => ApplyResponse { new_state, diagnostics: Vec::new() },
            Err(d) => ApplyResponse {
                // A failed update leaves the old file (rename is atomic): keep the prior state.
                new_state: match &req.change {
                    Change::Update { prior, .. } | Change::Delete { prior } => Some(prior.clone()),
                    Change::Create { .. } => None,
                },
                diagnostics: vec![d],
            },
        }
    }

    /// Imports by path. A forward zone is read back entirely; a node pool yields its path, hash
    /// and cluster name/region: the next plan fills in the rest from the stack.
    async fn import_resource(&self, req: ImportRequest) -> ImportResponse {
        let text = match std::fs::read_to_string(&req.id) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return ImportResponse {
                    state: None,
                    diagnostics: vec![Diagnostic::error(format!("no file at {}", req.id))
                        .code("onprem::NotFound")
                        .address(&req.address)],
                }
            }
            Err(e) => {
                return ImportResponse { state: None, diagnostics: vec![io_diag(&req.address, "read", &req.id, e)] }
            }
        };
        let mut m = std::collections::BTreeMap::new();
        m.insert("output_path".to_string(), Value::from(req.id.as_str()));
        match req.type_name.as_str() {
            FORWARD_ZONE => {
                let Some((zone, forwarders, only)) = render::parse_forward_zone(&text) else {
                    return ImportResponse {
                        state: None,
                        diagnostics: vec![Diagnostic::error(format!("{} is not a BIND forward zone", req.id))
                            .code("onprem::Unrecognised")
                            .address(&req.address)],
                    };
                };
                m.insert("zone_name".into(), zone.into());
                m.insert("forwarders".into(), Value::List(forwarders.into_iter().map(Value::from).collect()));
                m.insert("forward_only".into(), only.into());
            }
            NODE_POOL => {
                if let Some((name, region)) = render::parse_node_config_cluster(&text) {
                    m.insert("cluster_name".into(), name.into());
                    m.insert("region".into(), region.into());
                }
            }
            other => {
                return ImportResponse {
                    state: None,
                    diagnostics: vec![Diagnostic::error(format!("unknown resource type {other}")).address(&req.address)],
                }
            }
        }
        // A pool's registry hosts.toml, when one was rendered beside it, counts in its hash.
        let mut sha = sha256_hex(text.as_bytes());
        if req.type_name == NODE_POOL {
            let certs = format!("{}.certs.d", req.id.strip_suffix(".yaml").unwrap_or(&req.id));
            let hosts = std::fs::read_dir(&certs)
                .ok()
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path().join("hosts.toml"))
                .find(|p| p.exists())
                .map(|p| p.to_string_lossy().into_owned());
            if let Some(h) = hosts {
                if let Ok(Some(d)) = files_digest(&req.id, std::slice::from_ref(&h)) {
                    sha = d;
                }
            }
        }
        let state = with_computed(&req.type_name, Value::Map(m), &req.id, &sha);
        ImportResponse { state: Some(state), diagnostics: Vec::new() }
    }

    async fn read_data_source(&self, req: DataRequest) -> DataResponse {
        DataResponse {
            state: Value::Null,
            diagnostics: vec![Diagnostic::error(format!("the onprem provider has no data source {}", req.type_name))
                .address(&req.address)],
        }
    }
}

#[cfg(test)]
mod tests;
