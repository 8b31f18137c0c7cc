use std::path::Path;

use tether_sdk::{
    has_errors, AttrPath, Change, ConfigureRequest, ImportRequest, PlanRequest, Progress, Provider, ReadItem,
    ReadRequest,
};

use super::*;

const CODE: &str = "Wj3kPq9/ExampleActivationCode+Xy";

fn ssm() -> Value {
    Value::map([
        ("activation_id", Value::from("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")),
        ("activation_code", CODE.into()),
    ])
}

/// The DOMAIN.md reference hybrid pool: 10 H100 servers of 224 vCPU.
fn reference_pool(output_dir: &str) -> Value {
    Value::map([
        ("cluster_name", Value::from("my-hybrid-cluster")),
        ("region", "ap-northeast-2".into()),
        ("kubernetes_version", "1.33".into()),
        ("node_count", Value::int(10)),
        ("vcpus_per_node", Value::int(224)),
        ("output_dir", output_dir.into()),
        (
            "labels",
            Value::map([("node-type", Value::from("hybrid")), ("gpu", "h100".into()), ("gpu-count", "8".into())]),
        ),
        ("taints", Value::List(vec!["nvidia.com/gpu=present:NoSchedule".into()])),
        ("max_pods", Value::int(110)),
        ("shutdown_grace_period", "30s".into()),
        ("ssm", ssm()),
        (
            "containerd",
            Value::map([
                ("nvidia_runtime", Value::from(true)),
                (
                    "registry_mirror",
                    Value::map([
                        ("host", Value::from("docker.io")),
                        ("endpoint", "https://harbor.company.local".into()),
                        ("ca_file", "/etc/containerd/certs.d/harbor.company.local/ca.crt".into()),
                        ("credentials_file", "/etc/eks/registry/harbor-pull.json".into()),
                    ]),
                ),
            ]),
        ),
    ])
}

fn zone(output_path: &str) -> Value {
    Value::map([
        ("zone_name", Value::from("eks.amazonaws.com")),
        ("forwarders", Value::List(vec!["10.0.1.100".into(), "10.0.2.100".into()])),
        ("output_path", output_path.into()),
    ])
}

fn set(mut v: Value, path: &str, x: Value) -> Value {
    v.set_path(&AttrPath::parse(path).unwrap(), x);
    v
}

fn codes(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().filter(|d| d.is_error()).filter_map(|d| d.code.clone()).collect()
}

#[test]
fn reference_node_config() {
    insta::assert_snapshot!(node_config(&reference_pool("/tmp")).unwrap());
}

#[test]
fn iam_roles_anywhere_node_config() {
    let mut pool = reference_pool("/tmp");
    if let Value::Map(m) = &mut pool {
        m.remove("ssm");
        m.remove("containerd");
        m.remove("labels");
        m.insert(
            "iam_roles_anywhere".into(),
            Value::map([
                ("node_name", Value::from("gpu-node-01")),
                ("trust_anchor_arn", "arn:aws:rolesanywhere:ap-northeast-2:111122223333:trust-anchor/ta-1".into()),
                ("profile_arn", "arn:aws:rolesanywhere:ap-northeast-2:111122223333:profile/p-1".into()),
                ("role_arn", "arn:aws:iam::111122223333:role/EKSHybridNodeRole".into()),
                ("certificate_path", "/etc/iam/pki/server.pem".into()),
                ("private_key_path", "/etc/iam/pki/server.key".into()),
            ]),
        );
    }
    assert!(validate_node_pool(&pool).is_empty(), "{:?}", validate_node_pool(&pool));
    insta::assert_snapshot!(node_config(&pool).unwrap());
}

#[test]
fn reference_forward_zone() {
    let text = forward_zone(&zone("/tmp/z.conf")).unwrap();
    assert_eq!(
        text,
        "zone \"eks.amazonaws.com\" { type forward; forward only; forwarders { 10.0.1.100; 10.0.2.100; }; };\n"
    );
    insta::assert_snapshot!(text);
    let first = forward_zone(&set(zone("/tmp/z.conf"), "forward_only", false.into())).unwrap();
    assert!(first.contains("forward first;"), "{first}");
}

#[test]
fn reference_pool_is_valid_and_computes_totals() {
    let p = OnpremProvider::new();
    assert!(p.validate_resource(NODE_POOL, &reference_pool("/tmp")).is_empty());
    assert!(p.validate_resource(FORWARD_ZONE, &zone("/tmp/z.conf")).is_empty());
    let plan = p.plan_resource(PlanRequest {
        type_name: NODE_POOL.into(),
        address: "onprem_node_pool.gpu".into(),
        prior: None,
        config: reference_pool("/srv/nodeadm"),
    });
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let v = &plan.planned;
    assert_eq!(v.get("total_vcpus").and_then(Value::as_i64), Some(2240));
    assert_eq!(v.get("id").and_then(Value::as_str), Some("/srv/nodeadm/onprem_node_pool.gpu.yaml"));
    assert_eq!(
        v.get("nodeadm_command").and_then(Value::as_str),
        Some("nodeadm init --config-source file:///srv/nodeadm/onprem_node_pool.gpu.yaml")
    );
    assert_eq!(v.get("config_sha256").and_then(Value::as_str).map(str::len), Some(64));
    // The activation code is marked sensitive and never rendered by the engine's printer.
    let code = v.get_path(&AttrPath::parse("ssm.activation_code").unwrap()).unwrap();
    assert!(code.contains_sensitive());
    assert!(!v.render().contains(CODE), "{}", v.render());
    assert!(p.schema().resources[NODE_POOL].block.blocks["ssm"].block.attributes["activation_code"].sensitive);
}

#[test]
fn unknown_inputs_leave_computed_values_unknown() {
    let p = OnpremProvider::new();
    let config = set(reference_pool("/srv"), "cluster_name", Value::Unknown);
    let plan = p.plan_resource(PlanRequest {
        type_name: NODE_POOL.into(),
        address: "onprem_node_pool.gpu".into(),
        prior: None,
        config,
    });
    assert!(plan.diagnostics.is_empty());
    assert_eq!(plan.planned.get("config_sha256"), Some(&Value::Unknown));
    assert_eq!(plan.planned.get("id"), Some(&Value::Unknown));
}

#[test]
fn validation_errors() {
    let p = OnpremProvider::new();
    let pool = || reference_pool("/tmp");
    let check = |v: Value| codes(&p.validate_resource(NODE_POOL, &v));

    let both = set(
        pool(),
        "iam_roles_anywhere",
        Value::map([
            ("node_name", Value::from("n")),
            ("trust_anchor_arn", "arn:aws:rolesanywhere:r:1:trust-anchor/x".into()),
            ("profile_arn", "arn:aws:rolesanywhere:r:1:profile/x".into()),
            ("role_arn", "arn:aws:iam::1:role/x".into()),
        ]),
    );
    assert_eq!(check(both), ["onprem::ConflictingCredentials"]);
    assert_eq!(check(set(pool(), "ssm", Value::Null)), ["onprem::MissingCredentials"]);
    assert_eq!(
        check(set(pool(), "taints", Value::List(vec!["nvidia.com/gpu=present:NO_SCHEDULE".into()]))),
        ["onprem::InvalidTaint"]
    );
    assert_eq!(check(set(pool(), "taints", Value::List(vec!["gpu=present".into()]))), ["onprem::InvalidTaint"]);
    assert_eq!(check(set(pool(), "shutdown_grace_period", "30".into())), ["onprem::InvalidDuration"]);
    assert_eq!(check(set(pool(), "shutdown_grace_period", "1m30s".into())), Vec::<String>::new());
    assert_eq!(check(set(pool(), "labels", Value::map([("bad key", Value::from("x"))]))), ["onprem::InvalidLabel"]);
    assert_eq!(check(set(pool(), "labels", Value::map([("ok", Value::from("not ok!"))]))), ["onprem::InvalidLabel"]);
    assert_eq!(
        check(set(pool(), "labels", Value::map([("node-role.kubernetes.io/gpu", Value::from(""))]))),
        ["onprem::InvalidLabel"]
    );
    assert_eq!(check(set(pool(), "output_path", "/tmp/x.yaml".into())), ["onprem::ConflictingOutput"]);
    assert_eq!(check(set(pool(), "vcpu_hour_rate", Value::int(-1))), ["onprem::InvalidRate"]);
    assert_eq!(check(set(pool(), "vcpu_hour_rate", "0.1099".into())), Vec::<String>::new());
    assert_eq!(check(set(pool(), "output_dir", Value::Null)), ["onprem::MissingOutput"]);
    assert_eq!(check(set(pool(), "node_count", Value::from("ten"))), ["onprem::InvalidNumber"]);
    assert_eq!(
        check(set(pool(), "containerd.registry_mirror.endpoint", "harbor.corp.local".into())),
        ["onprem::InvalidEndpoint"]
    );
    // Unknown values are not judged.
    assert!(check(set(pool(), "shutdown_grace_period", Value::Unknown)).is_empty());
    assert!(check(set(pool(), "taints", Value::List(vec![Value::Unknown]))).is_empty());

    let d = p.validate_resource(NODE_POOL, &set(pool(), "taints", Value::List(vec!["a=b:Sometimes".into()])));
    assert_eq!(d[0].attribute, AttrPath::parse("taints[0]"));
    assert!(d[0].summary.contains("NoSchedule, PreferNoSchedule, NoExecute"), "{}", d[0].summary);

    let zcheck = |v: Value| codes(&p.validate_resource(FORWARD_ZONE, &v));
    let z = || zone("/tmp/z.conf");
    assert_eq!(
        zcheck(set(z(), "forwarders", Value::List(vec!["10.0.1.100".into(), "10.0.2.300".into()]))),
        ["onprem::InvalidForwarder"]
    );
    assert_eq!(zcheck(set(z(), "forwarders", Value::List(vec!["fd00::1".into()]))), ["onprem::InvalidForwarder"]);
    assert_eq!(zcheck(set(z(), "forwarders", Value::List(vec![]))), ["onprem::NoForwarders"]);
    assert_eq!(
        zcheck(set(z(), "forwarders", Value::List(vec!["10.0.1.100".into(), "10.0.1.100".into()]))),
        ["onprem::DuplicateForwarder"]
    );
    assert_eq!(zcheck(set(z(), "zone_name", "eks amazonaws com\"; };".into())), ["onprem::InvalidZoneName"]);
    assert_eq!(zcheck(set(z(), "output_path", Value::Null)), ["onprem::MissingOutput"]);
}

async fn read_one(p: &OnpremProvider, type_name: &str, address: &str, state: &Value) -> Option<Value> {
    let id = state.get("id").and_then(Value::as_str).unwrap().to_string();
    let r = p
        .read_resources(ReadRequest {
            type_name: type_name.into(),
            items: vec![ReadItem { address: address.into(), id, prior: state.clone() }],
        })
        .await;
    assert!(!has_errors(&r.diagnostics), "{:?}", r.diagnostics);
    r.results.into_iter().next().unwrap().state
}

fn plan(p: &OnpremProvider, type_name: &str, address: &str, prior: Option<Value>, config: Value) -> Value {
    let r = p.plan_resource(PlanRequest { type_name: type_name.into(), address: address.into(), prior, config });
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(r.requires_replace.is_empty());
    r.planned
}

async fn apply(p: &OnpremProvider, type_name: &str, address: &str, change: Change) -> Option<Value> {
    let r = p
        .apply_resource(ApplyRequest {
            type_name: type_name.into(),
            address: address.into(),
            lineage: "lin".into(),
            change,
            progress: Progress::silent(),
        })
        .await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    r.new_state
}

fn same(a: &Value, b: &Value) -> bool {
    a.unmark_deep() == b.unmark_deep()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn node_pool_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nodeadm");
    let p = OnpremProvider::new();
    assert!(p.configure(ConfigureRequest { config: Value::map::<&str>([]), lineage: "lin".into() }).await.is_empty());
    let addr = "onprem_node_pool.gpu";
    let config = reference_pool(out.to_str().unwrap());

    // Create writes one 0600 file holding the rendered NodeConfig.
    let planned = plan(&p, NODE_POOL, addr, None, config.clone());
    let state = apply(&p, NODE_POOL, addr, Change::Create { planned: planned.clone(), idempotency_token: "t".into() })
        .await
        .unwrap();
    assert!(same(&state, &planned), "apply produced what the plan said");
    let file = out.join("onprem_node_pool.gpu.yaml");
    assert_eq!(state.get("id").and_then(Value::as_str), file.to_str());
    assert_eq!(state.get("config_path"), state.get("id"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text, node_config(&config).unwrap());
    assert!(text.contains(CODE));
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    // The hash covers the NodeConfig and the registry's hosts.toml beside it.
    let hosts = state.get("registry_hosts_path").and_then(Value::as_str).unwrap().to_string();
    let digest = files_digest(file.to_str().unwrap(), std::slice::from_ref(&hosts)).unwrap().unwrap();
    assert_eq!(state.get("config_sha256").and_then(Value::as_str), Some(digest.as_str()));
    assert_ne!(digest, sha256_hex(text.as_bytes()));
    assert!(!serde_json::to_string(&state.to_json()).unwrap().contains("apiVersion"), "no file content in state");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2, "the file and its certs.d, no temp files left behind");

    // Read returns the same value, and planning it again changes nothing.
    let read = read_one(&p, NODE_POOL, addr, &state).await.unwrap();
    assert!(same(&read, &state), "{read}\n{state}");
    assert!(same(&plan(&p, NODE_POOL, addr, Some(read.clone()), config.clone()), &read));

    // A hand edit is drift: a different hash, and a plan that re-renders.
    std::fs::write(&file, text.replace("maxPods: 110", "maxPods: 250")).unwrap();
    let drifted = read_one(&p, NODE_POOL, addr, &state).await.unwrap();
    assert_ne!(drifted.get("config_sha256"), state.get("config_sha256"));
    let planned = plan(&p, NODE_POOL, addr, Some(drifted.clone()), config.clone());
    assert_eq!(planned.get("config_sha256"), state.get("config_sha256"));
    let updated = apply(&p, NODE_POOL, addr, Change::Update { prior: drifted, planned }).await.unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "re-rendered");
    assert!(same(&updated, &state));

    // An input change re-renders in place.
    let config2 = set(config.clone(), "max_pods", Value::int(200));
    let planned = plan(&p, NODE_POOL, addr, Some(updated.clone()), config2.clone());
    assert_ne!(planned.get("config_sha256"), updated.get("config_sha256"));
    let updated = apply(&p, NODE_POOL, addr, Change::Update { prior: updated, planned }).await.unwrap();
    assert!(std::fs::read_to_string(&file).unwrap().contains("maxPods: 200"));
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);

    // Import by path finds the file and its cluster.
    let imported = p
        .import_resource(ImportRequest {
            type_name: NODE_POOL.into(),
            address: addr.into(),
            id: file.to_str().unwrap().into(),
        })
        .await
        .state
        .unwrap();
    assert_eq!(imported.get("config_sha256"), updated.get("config_sha256"));
    assert_eq!(imported.get("cluster_name").and_then(Value::as_str), Some("my-hybrid-cluster"));
    assert_eq!(imported.get("region").and_then(Value::as_str), Some("ap-northeast-2"));

    // Delete removes the file; a second delete of a missing file is fine; read then finds nothing.
    assert!(apply(&p, NODE_POOL, addr, Change::Delete { prior: updated.clone() }).await.is_none());
    assert!(!file.exists());
    assert!(apply(&p, NODE_POOL, addr, Change::Delete { prior: updated.clone() }).await.is_none());
    assert!(read_one(&p, NODE_POOL, addr, &updated).await.is_none());
}

#[tokio::test]
async fn moving_a_pool_file_removes_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = OnpremProvider::new();
    let addr = "onprem_node_pool.gpu";
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b").join("b.yaml");
    let at = |path: &Path| {
        set(set(reference_pool("x"), "output_dir", Value::Null), "output_path", path.to_str().unwrap().into())
    };
    let planned = plan(&p, NODE_POOL, addr, None, at(&a));
    let state = apply(&p, NODE_POOL, addr, Change::Create { planned, idempotency_token: "t".into() }).await.unwrap();
    let planned = plan(&p, NODE_POOL, addr, Some(state.clone()), at(&b));
    let moved = apply(&p, NODE_POOL, addr, Change::Update { prior: state, planned }).await.unwrap();
    assert!(!a.exists() && b.exists());
    assert_eq!(moved.get("id").and_then(Value::as_str), b.to_str());
}

#[tokio::test]
async fn forward_zone_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("named").join("eks.amazonaws.com.conf");
    let p = OnpremProvider::new();
    let addr = "onprem_dns_forward_zone.eks";
    let config = zone(file.to_str().unwrap());

    let planned = plan(&p, FORWARD_ZONE, addr, None, config.clone());
    assert_eq!(planned.get("forward_only"), Some(&Value::from(true)), "defaults to forward only");
    let state =
        apply(&p, FORWARD_ZONE, addr, Change::Create { planned: planned.clone(), idempotency_token: "t".into() })
            .await
            .unwrap();
    assert!(same(&state, &planned));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text, forward_zone(&config).unwrap());
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o644);

    let read = read_one(&p, FORWARD_ZONE, addr, &state).await.unwrap();
    assert!(same(&read, &state));
    assert!(same(&plan(&p, FORWARD_ZONE, addr, Some(read), config.clone()), &state));

    std::fs::write(&file, text.replace("10.0.2.100", "10.0.9.9")).unwrap();
    let drifted = read_one(&p, FORWARD_ZONE, addr, &state).await.unwrap();
    assert_ne!(drifted.get("config_sha256"), state.get("config_sha256"));
    let planned = plan(&p, FORWARD_ZONE, addr, Some(drifted.clone()), config.clone());
    apply(&p, FORWARD_ZONE, addr, Change::Update { prior: drifted, planned }).await.unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    // Import reads every input back: planning the same config after import changes nothing.
    let imported = p
        .import_resource(ImportRequest {
            type_name: FORWARD_ZONE.into(),
            address: addr.into(),
            id: file.to_str().unwrap().into(),
        })
        .await
        .state
        .unwrap();
    assert!(same(&imported, &state), "{imported}\n{state}");
    let missing = p
        .import_resource(ImportRequest {
            type_name: FORWARD_ZONE.into(),
            address: addr.into(),
            id: "/nonexistent/z".into(),
        })
        .await;
    assert!(missing.state.is_none());
    assert_eq!(missing.diagnostics[0].code.as_deref(), Some("onprem::NotFound"));

    // A file deleted by hand reads as gone (the plan creates it again).
    std::fs::remove_file(&file).unwrap();
    assert!(read_one(&p, FORWARD_ZONE, addr, &state).await.is_none());
    assert!(apply(&p, FORWARD_ZONE, addr, Change::Delete { prior: state }).await.is_none());
}

#[test]
fn the_registry_mirror_is_a_hosts_toml_beside_config_path() {
    let pool = reference_pool("/tmp");
    let config = node_config(&pool).unwrap();
    // containerd refuses registry.mirrors and registry.configs.*.tls next to config_path,
    // which nodeadm sets: the mirror lives in hosts.toml, the TOML only keeps config_path.
    assert!(!config.contains("registry.mirrors") && !config.contains("registry.configs"), "{config}");
    assert!(config.contains("config_path = \"/etc/containerd/certs.d:/etc/docker/certs.d\""), "{config}");
    assert!(!config.contains("harbor-pull.json"), "credentials are never rendered: {config}");
    let hosts = registry_hosts_toml(&pool).unwrap();
    assert!(!hosts.contains("harbor-pull.json"), "{hosts}");
    insta::assert_snapshot!(hosts);
}

#[test]
fn the_join_steps_install_nodeadm_before_init() {
    let p = OnpremProvider::new();
    let plan = p.plan_resource(PlanRequest {
        type_name: NODE_POOL.into(),
        address: "onprem_node_pool.gpu".into(),
        prior: None,
        config: reference_pool("/srv/nodeadm"),
    });
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let v = &plan.planned;
    assert_eq!(
        v.get("nodeadm_install_command").and_then(Value::as_str),
        Some("nodeadm install 1.33 --credential-provider ssm")
    );
    let steps: Vec<&str> =
        v.get("join_commands").and_then(Value::as_list).unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(
        steps,
        [
            "install -D -m 0644 /srv/nodeadm/onprem_node_pool.gpu.certs.d/docker.io/hosts.toml /etc/containerd/certs.d/docker.io/hosts.toml",
            "install -D -m 0600 /etc/eks/registry/harbor-pull.json /var/lib/kubelet/config.json",
            "nodeadm install 1.33 --credential-provider ssm",
            "nodeadm init --config-source file:///srv/nodeadm/onprem_node_pool.gpu.yaml",
        ]
    );
    // With IAM Roles Anywhere credentials, the install step says so.
    let mut ira = reference_pool("/srv/nodeadm");
    if let Value::Map(m) = &mut ira {
        m.remove("ssm");
        m.insert(
            "iam_roles_anywhere".into(),
            Value::map([
                ("node_name", Value::from("gpu-node-01")),
                ("trust_anchor_arn", "arn:aws:rolesanywhere:ap-northeast-2:111122223333:trust-anchor/ta-1".into()),
                ("profile_arn", "arn:aws:rolesanywhere:ap-northeast-2:111122223333:profile/p-1".into()),
                ("role_arn", "arn:aws:iam::111122223333:role/EKSHybridNodeRole".into()),
            ]),
        );
    }
    let plan = p.plan_resource(PlanRequest {
        type_name: NODE_POOL.into(),
        address: "onprem_node_pool.gpu".into(),
        prior: None,
        config: ira,
    });
    assert_eq!(
        plan.planned.get("nodeadm_install_command").and_then(Value::as_str),
        Some("nodeadm install 1.33 --credential-provider iam-ra")
    );
}

#[tokio::test]
async fn the_hosts_toml_is_written_beside_the_pool_and_its_edits_are_drift() {
    let dir = tempfile::tempdir().unwrap();
    let p = OnpremProvider::new();
    let addr = "onprem_node_pool.gpu";
    let config = reference_pool(dir.path().to_str().unwrap());
    let planned = plan(&p, NODE_POOL, addr, None, config.clone());
    let state = apply(&p, NODE_POOL, addr, Change::Create { planned: planned.clone(), idempotency_token: "t".into() })
        .await
        .unwrap();
    let hosts = state.get("registry_hosts_path").and_then(Value::as_str).unwrap().to_string();
    assert_eq!(std::fs::read_to_string(&hosts).unwrap(), registry_hosts_toml(&config).unwrap());
    #[cfg(unix)]
    assert_eq!(mode(Path::new(&hosts)), 0o644, "no secret in it");
    let read = read_one(&p, NODE_POOL, addr, &state).await.unwrap();
    assert!(same(&read, &state), "apply then read agree: {read}\n{state}");
    std::fs::write(&hosts, "server = \"https://elsewhere\"\n").unwrap();
    let drifted = read_one(&p, NODE_POOL, addr, &state).await.unwrap();
    assert_ne!(drifted.get("config_sha256"), state.get("config_sha256"), "an edit of hosts.toml is drift");
    assert!(apply(&p, NODE_POOL, addr, Change::Delete { prior: state }).await.is_none());
    assert!(!Path::new(&hosts).exists(), "destroy removes it too");
    assert!(!Path::new(&hosts).parent().unwrap().parent().unwrap().exists(), "and the directories made for it");
}

const PSK1: &str = "Tunnel1.Key_AbCdEf12";
const PSK2: &str = "Tunnel2.Key_GhIjKl34";

fn strongswan(output_path: &str) -> Value {
    Value::map([
        ("output_path", Value::from(output_path)),
        ("local_address", "203.0.113.10".into()),
        ("tunnel1_address", "52.78.10.1".into()),
        ("tunnel1_preshared_key", PSK1.into()),
        ("tunnel1_cgw_inside_address", "169.254.10.2".into()),
        ("tunnel1_vgw_inside_address", "169.254.10.1".into()),
        ("tunnel2_address", "52.78.20.2".into()),
        ("tunnel2_preshared_key", PSK2.into()),
        ("tunnel2_cgw_inside_address", "169.254.11.2".into()),
        ("tunnel2_vgw_inside_address", "169.254.11.1".into()),
    ])
}

#[test]
fn swanctl_conf_for_both_tunnels() {
    let text = swanctl_conf(&strongswan("/tmp/swanctl.conf")).unwrap();
    insta::assert_snapshot!(text);
    let p = OnpremProvider::new();
    assert!(p.validate_resource(STRONGSWAN, &strongswan("/tmp/s.conf")).is_empty());
    let bad =
        set(set(strongswan("/tmp/s.conf"), "tunnel1_preshared_key", "0short".into()), "tunnel2_address", "nope".into());
    let diags = p.validate_resource(STRONGSWAN, &bad);
    assert_eq!(codes(&diags), ["onprem::InvalidPresharedKey", "onprem::InvalidAddress"]);
    assert!(diags.iter().all(|d| !format!("{d:?}").contains("0short")), "the key is never quoted");
}

#[tokio::test]
async fn pre_shared_keys_are_only_in_state_and_the_0600_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("swanctl").join("swanctl.conf");
    let p = OnpremProvider::new();
    let addr = "onprem_strongswan_vpn.dc";
    let config = strongswan(file.to_str().unwrap());
    let planned = plan(&p, STRONGSWAN, addr, None, config.clone());
    for key in [PSK1, PSK2] {
        assert!(!planned.render().contains(key), "the plan never shows a key: {}", planned.render());
        assert!(!format!("{}", planned).contains(key));
    }
    assert!(planned.get("tunnel1_preshared_key").unwrap().contains_sensitive());
    let state = apply(&p, STRONGSWAN, addr, Change::Create { planned, idempotency_token: "t".into() }).await.unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(PSK1) && text.contains(PSK2), "the device needs the keys");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    // State holds them (it holds secrets, and is 0600 itself), and nothing else does.
    assert!(serde_json::to_string(&state.to_json()).unwrap().contains(PSK1));
    let read = read_one(&p, STRONGSWAN, addr, &state).await.unwrap();
    assert!(same(&read, &state));
    let diags = p.validate_resource(STRONGSWAN, &set(config, "tunnel2_preshared_key", "bad key!".into()));
    assert!(diags.iter().all(|d| !format!("{d:?}").contains("bad key!")));
}
