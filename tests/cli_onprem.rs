//! The on-prem provider through the real binary: rendered nodeadm and BIND files, drift when a
//! file is edited by hand, secrets never printed, files removed on destroy.

use std::process::Command;

fn tether(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tether"))
        .arg("--stack")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TETHER_MOCK_CLOUD")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SECRET: &str = "Act1vationC0deSecret";

fn stack(dir: &std::path::Path) -> String {
    let out = dir.join("rendered");
    format!(
        r#"variable "activation_code" {{
  type      = string
  sensitive = true
  default   = "{SECRET}"
}}

resource "onprem_node_pool" "gpu" {{
  cluster_name          = "my-hybrid-cluster"
  region                = "ap-northeast-2"
  node_count            = 10
  vcpus_per_node        = 224
  output_dir            = "{out}"
  max_pods              = 110
  shutdown_grace_period = "30s"
  labels = {{
    "node-type" = "hybrid"
    "gpu"       = "h100"
    "gpu-count" = "8"
  }}
  taints = ["nvidia.com/gpu=present:NoSchedule"]

  ssm {{
    activation_id   = "0f1e2d3c-aaaa-bbbb-cccc-000011112222"
    activation_code = var.activation_code
  }}
}}

resource "onprem_dns_forward_zone" "eks" {{
  zone_name   = "eks.amazonaws.com"
  forwarders  = ["10.0.1.100", "10.0.2.100"]
  output_path = "{out}/eks.amazonaws.com.zone"
}}

output "join_command" {{
  value = onprem_node_pool.gpu.nodeadm_command
}}
"#,
        out = out.display()
    )
}

#[test]
fn pools_and_zones_render_settle_drift_and_go_away() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), stack(dir.path())).unwrap();

    let (code, plan, err) = tether(dir.path(), &["plan"]);
    assert_eq!(code, 0, "{plan}{err}");
    assert!(!plan.contains(SECRET) && !err.contains(SECRET), "the activation code is never printed");
    assert!(plan.contains("(sensitive value)"), "{plan}");

    let (code, out, err) = tether(dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains(SECRET));
    let zone = std::fs::read_to_string(dir.path().join("rendered/eks.amazonaws.com.zone")).unwrap();
    assert_eq!(
        zone,
        "zone \"eks.amazonaws.com\" { type forward; forward only; forwarders { 10.0.1.100; 10.0.2.100; }; };\n"
    );
    let pool_file = std::fs::read_dir(dir.path().join("rendered"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml"))
        .expect("a NodeConfig file");
    let yaml = std::fs::read_to_string(&pool_file).unwrap();
    assert!(yaml.contains("kind: NodeConfig") && yaml.contains(SECRET), "the node needs the code: {yaml}");
    assert!(yaml.contains("--register-with-taints=nvidia.com/gpu=present:NoSchedule"), "{yaml}");
    let (_, join, _) = tether(dir.path(), &["output", "--raw", "join_command"]);
    assert!(join.starts_with("nodeadm init"), "{join}");

    let (code, _, _) = tether(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "apply then plan is empty");

    // A file edited by hand shows as drift, and apply puts it back.
    std::fs::write(dir.path().join("rendered/eks.amazonaws.com.zone"), "zone \"x\" {};\n").unwrap();
    let (code, plan, _) = tether(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{plan}");
    assert!(plan.contains("onprem_dns_forward_zone.eks"), "{plan}");
    let (code, _, _) = tether(dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(dir.path().join("rendered/eks.amazonaws.com.zone"))
        .unwrap()
        .contains("10.0.2.100"));

    let (code, out, err) = tether(dir.path(), &["destroy", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !pool_file.exists() && !dir.path().join("rendered/eks.amazonaws.com.zone").exists(),
        "destroy removes the files"
    );
}
