//! Deterministic, hand-written renderings of the files the on-prem provider manages.
//!
//! Every user-supplied string is written as a double-quoted scalar with JSON escaping, which is
//! valid in YAML and (for the characters JSON escapes) in TOML basic strings, so no input can
//! change the structure of a file.

use std::fmt::Write as _;

use tether_sdk::Value;

use crate::validate::{known, known_str};

/// A double-quoted, escaped string literal (YAML and TOML alike).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn required<'a>(v: &'a Value, name: &str, at: &str) -> Result<&'a str, String> {
    known_str(v, name).ok_or_else(|| format!("{at}{name} is not set"))
}

/// The comma-joined `--node-labels` value, keys sorted.
pub fn node_labels(config: &Value) -> Option<String> {
    let labels = known(config, "labels")?.as_map()?;
    if labels.is_empty() {
        return None;
    }
    Some(labels.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect::<Vec<_>>().join(","))
}

/// The nodeadm `NodeConfig` of an `onprem_node_pool` (inputs only; computed attributes ignored).
pub fn node_config(config: &Value) -> Result<String, String> {
    let mut y = String::new();
    y.push_str("# Rendered by tether (onprem_node_pool). Edits by hand show as drift and are overwritten.\n");
    y.push_str("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n");
    let _ = write!(
        y,
        "  cluster:\n    name: {}\n    region: {}\n",
        q(required(config, "cluster_name", "")?),
        q(required(config, "region", "")?)
    );

    y.push_str("  hybrid:\n");
    if let Some(ssm) = known(config, "ssm") {
        let _ = write!(
            y,
            "    ssm:\n      activationCode: {}\n      activationId: {}\n",
            q(required(ssm, "activation_code", "ssm.")?),
            q(required(ssm, "activation_id", "ssm.")?)
        );
    } else if let Some(ira) = known(config, "iam_roles_anywhere") {
        y.push_str("    iamRolesAnywhere:\n");
        for (attr, key, req) in [
            ("node_name", "nodeName", true),
            ("trust_anchor_arn", "trustAnchorArn", true),
            ("profile_arn", "profileArn", true),
            ("role_arn", "roleArn", true),
            ("certificate_path", "certificatePath", false),
            ("private_key_path", "privateKeyPath", false),
        ] {
            match known_str(ira, attr) {
                Some(v) => {
                    let _ = writeln!(y, "      {key}: {}", q(v));
                }
                None if req => return Err(format!("iam_roles_anywhere.{attr} is not set")),
                None => {}
            }
        }
    } else {
        return Err("no credentials: set an ssm or an iam_roles_anywhere block".into());
    }

    let mut kubelet_config = String::new();
    if let Some(n) = known(config, "max_pods") {
        let n = n.as_i64().ok_or("max_pods is not a whole number")?;
        let _ = writeln!(kubelet_config, "      maxPods: {n}");
    }
    if let Some(d) = known_str(config, "shutdown_grace_period") {
        let _ = writeln!(kubelet_config, "      shutdownGracePeriod: {}", q(d));
    }
    let mut flags = Vec::new();
    if let Some(labels) = node_labels(config) {
        flags.push(format!("--node-labels={labels}"));
    }
    let taints: Vec<&str> =
        known(config, "taints").and_then(Value::as_list).unwrap_or(&[]).iter().filter_map(Value::as_str).collect();
    if !taints.is_empty() {
        flags.push(format!("--register-with-taints={}", taints.join(",")));
    }
    if !kubelet_config.is_empty() || !flags.is_empty() {
        y.push_str("  kubelet:\n");
        if !kubelet_config.is_empty() {
            y.push_str("    config:\n");
            y.push_str(&kubelet_config);
        }
        if !flags.is_empty() {
            y.push_str("    flags:\n");
            for f in &flags {
                let _ = writeln!(y, "      - {}", q(f));
            }
        }
    }

    if let Some(toml) = known(config, "containerd").and_then(containerd_toml) {
        y.push_str("  containerd:\n    config: |\n");
        for line in toml.lines() {
            if line.is_empty() {
                y.push('\n');
            } else {
                let _ = writeln!(y, "      {line}");
            }
        }
    }
    Ok(y)
}

const CRI: &str = "plugins.\"io.containerd.grpc.v1.cri\"";

/// Where containerd looks for registry host configuration: nodeadm's own setting, repeated so
/// the merged configuration says it. Registry mirrors are configured there (`hosts.toml`), not
/// with `registry.mirrors` or `registry.configs.*.tls`, which containerd refuses next to
/// `config_path`.
const CONFIG_PATH: &str = "/etc/containerd/certs.d:/etc/docker/certs.d";

/// The containerd (config version 2) TOML for the `containerd` block, merged by nodeadm over
/// its own; `None` when it asks for nothing.
pub fn containerd_toml(block: &Value) -> Option<String> {
    let nvidia = known(block, "nvidia_runtime").and_then(Value::as_bool).unwrap_or(false);
    let mirror = known(block, "registry_mirror");
    if !nvidia && mirror.is_none() {
        return None;
    }
    let mut t = String::from("version = 2\n");
    if nvidia {
        let _ = write!(
            t,
            "\n[{CRI}.containerd]\n\
             default_runtime_name = \"nvidia\"\n\
             \n[{CRI}.containerd.runtimes.nvidia]\n\
             privileged_without_host_devices = false\n\
             runtime_type = \"io.containerd.runc.v2\"\n\
             \n[{CRI}.containerd.runtimes.nvidia.options]\n\
             BinaryName = \"/usr/bin/nvidia-container-runtime\"\n\
             SystemdCgroup = true\n"
        );
    }
    if mirror.is_some() {
        let _ = write!(t, "\n[{CRI}.registry]\nconfig_path = {}\n", q(CONFIG_PATH));
    }
    Some(t)
}

/// The registry a pool's mirror stands in for (`docker.io`), when it has a mirror.
pub fn mirror_host(config: &Value) -> Option<String> {
    let m = known(config, "containerd").and_then(|c| known(c, "registry_mirror"))?;
    known_str(m, "endpoint")?;
    Some(known_str(m, "host").unwrap_or("docker.io").to_string())
}

/// The upstream registry's own endpoint, which containerd falls back to.
fn upstream(host: &str) -> String {
    match host {
        "docker.io" => "https://registry-1.docker.io".to_string(),
        other => format!("https://{other}"),
    }
}

/// The containerd `hosts.toml` of a pool's registry mirror (installed on each node as
/// /etc/containerd/certs.d/<host>/hosts.toml): pulls go to the mirror, trusting its CA by path.
/// Credentials are never written here: kubelet passes them from its own credential file.
pub fn registry_hosts_toml(config: &Value) -> Option<String> {
    let m = known(config, "containerd").and_then(|c| known(c, "registry_mirror"))?;
    let endpoint = known_str(m, "endpoint")?;
    let host = known_str(m, "host").unwrap_or("docker.io");
    let mut t = String::new();
    let _ =
        writeln!(t, "# Rendered by tether (onprem_node_pool): install as /etc/containerd/certs.d/{host}/hosts.toml.");
    let _ = writeln!(t, "server = {}", q(&upstream(host)));
    let _ = write!(t, "\n[host.{}]\ncapabilities = [\"pull\", \"resolve\"]\n", q(endpoint));
    if let Some(ca) = known_str(m, "ca_file") {
        let _ = writeln!(t, "ca = {}", q(ca));
    }
    Some(t)
}

/// The strongSwan `swanctl.conf` of an `onprem_strongswan_vpn`: one IKEv2 connection per AWS
/// tunnel, route-based (an XFRM interface per tunnel, `if_id` 1 and 2, for the BGP or static
/// routes of the on-prem router), and the pre-shared keys in the `secrets` section.
pub fn swanctl_conf(config: &Value) -> Result<String, String> {
    let local = required(config, "local_address", "")?;
    let proposals = known_str(config, "ike_proposals").unwrap_or("aes256-sha256-modp2048");
    let esp = known_str(config, "esp_proposals").unwrap_or("aes256-sha256-modp2048");
    let local_ts = known_str(config, "local_traffic_selector").unwrap_or("0.0.0.0/0");
    let remote_ts = known_str(config, "remote_traffic_selector").unwrap_or("0.0.0.0/0");
    let mut c = String::new();
    c.push_str("# Rendered by tether (onprem_strongswan_vpn). Holds the tunnels' pre-shared keys: keep it 0600.\n");
    c.push_str("connections {\n");
    let mut secrets = String::new();
    for t in ["tunnel1", "tunnel2"] {
        let remote = required(config, &format!("{t}_address"), "")?;
        let psk = required(config, &format!("{t}_preshared_key"), "")?;
        let n = &t[6..];
        let _ = write!(
            c,
            "  aws-{t} {{\n    version = 2\n    local_addrs = {local}\n    remote_addrs = {remote}\n    proposals = {proposals}\n    dpd_delay = 10s\n    rekey_time = 8h\n    if_id_in = {n}\n    if_id_out = {n}\n    local {{\n      auth = psk\n      id = {local}\n    }}\n    remote {{\n      auth = psk\n      id = {remote}\n    }}\n    children {{\n      aws-{t} {{\n        local_ts = {local_ts}\n        remote_ts = {remote_ts}\n        esp_proposals = {esp}\n        rekey_time = 1h\n        dpd_action = restart\n        start_action = start\n      }}\n    }}\n  }}\n"
        );
        if let (Some(cgw), Some(vgw)) = (
            known_str(config, &format!("{t}_cgw_inside_address")),
            known_str(config, &format!("{t}_vgw_inside_address")),
        ) {
            let _ = writeln!(c, "  # aws-{t} inside addresses: this side {cgw}, AWS {vgw} (XFRM interface if_id {n})");
        }
        let _ = write!(
            secrets,
            "  ike-aws-{t} {{\n    id-1 = {local}\n    id-2 = {remote}\n    secret = {}\n  }}\n",
            q(psk)
        );
    }
    c.push_str("}\n\nsecrets {\n");
    c.push_str(&secrets);
    c.push_str("}\n");
    Ok(c)
}

/// The BIND forward zone of an `onprem_dns_forward_zone`: one line and a newline.
pub fn forward_zone(config: &Value) -> Result<String, String> {
    let zone = required(config, "zone_name", "")?;
    let only = known(config, "forward_only").and_then(Value::as_bool).unwrap_or(true);
    let forwarders: Vec<&str> =
        known(config, "forwarders").and_then(Value::as_list).unwrap_or(&[]).iter().filter_map(Value::as_str).collect();
    if forwarders.is_empty() {
        return Err("forwarders is empty".into());
    }
    let list: String = forwarders.iter().map(|f| format!("{f}; ")).collect();
    Ok(format!(
        "zone {} {{ type forward; forward {}; forwarders {{ {list}}}; }};\n",
        q(zone),
        if only { "only" } else { "first" }
    ))
}

/// Reads a zone file written by [`forward_zone`] back into its inputs (for import).
pub fn parse_forward_zone(text: &str) -> Option<(String, Vec<String>, bool)> {
    let rest = text.trim().strip_prefix("zone \"")?;
    let (zone, rest) = rest.split_once('"')?;
    // "forward only;" is BIND's default reading here too; only "forward first;" turns it off.
    let only = !rest.contains("forward first;");
    let (_, after) = rest.split_once("forwarders {")?;
    let (list, _) = after.split_once('}')?;
    let forwarders = list.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    Some((zone.to_string(), forwarders, only))
}

/// Reads `spec.cluster.name` and `region` back from a NodeConfig written by [`node_config`]
/// (for import); `None` for a file of another shape.
pub fn parse_node_config_cluster(text: &str) -> Option<(String, String)> {
    let mut lines = text.lines().skip_while(|l| *l != "  cluster:").skip(1);
    let mut field = |key: &str| -> Option<String> {
        let line = lines.next()?.trim().strip_prefix(key)?.trim();
        serde_json::from_str::<String>(line).ok().or_else(|| Some(line.to_string()))
    };
    let name = field("name:")?;
    let region = field("region:")?;
    Some((name, region))
}
