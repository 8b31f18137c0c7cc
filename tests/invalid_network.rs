//! The whole-network checks beyond the cases of `tests/invalid_network/` (which `corpus.rs` runs
//! with the malformed stacks): a bad network stops `plan` before it refreshes a stack that has
//! state, a JSON diagnostic carries both sides of a conflict, and the reference stacks pass
//! every check.
//!
//! No API call is asserted from the outside, as for the corpus: the AWS provider is pointed at a
//! 127.0.0.1 listener that counts the connections it accepts.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::corpus::{self, Endpoint};

fn run(args: &[&str], dir: &Path, endpoint: &Endpoint) -> Output {
    corpus::tether(args, dir, endpoint).output().expect("cannot run the tether binary")
}

fn corpus_dir() -> PathBuf {
    corpus::corpus_dir("invalid_network")
}

/// Copies a case into a temporary directory (so state can be added without touching the corpus).
fn copy_case(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(corpus_dir().join(name)).expect("case").flatten() {
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("copy");
    }
    tmp
}

/// State recording one VPC, as an earlier apply would have left it.
fn write_state(dir: &Path) -> PathBuf {
    let state = serde_json::json!({
        "version": 1,
        "lineage": "4f1d2c3b-0000-4000-8000-000000000001",
        "serial": 3,
        "tether_version": "0.1.0",
        "resources": [{
            "address": "aws_vpc.main",
            "mode": "managed",
            "type_name": "aws_vpc",
            "provider": "aws",
            "id": "vpc-0123456789abcdef0",
            "attributes": { "id": "vpc-0123456789abcdef0", "cidr_block": "10.0.0.0/16" }
        }]
    });
    std::fs::create_dir_all(dir.join(".tether")).expect("mkdir");
    let path = dir.join(".tether").join("state.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).expect("write state");
    path
}

#[test]
fn plan_of_a_bad_stack_with_state_stops_before_refresh() {
    let endpoint = Endpoint::start();
    let case = copy_case("cidr-remote-pod-overlaps-vpc");
    let state = write_state(case.path());
    let before = std::fs::read(&state).unwrap();
    let out = run(&["plan"], case.path(), &endpoint);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cidr::overlap"), "{stderr}");
    assert_eq!(endpoint.count(), 0, "plan refreshed (called AWS) before reporting the bad network:\n{stderr}");
    assert_eq!(std::fs::read(&state).unwrap(), before, "state changed");
    assert!(!case.path().join(".tether").join("state.json.backup").exists(), "state was rewritten");
    assert!(!case.path().join(".tether").join("state.json.lock").exists(), "the lock was left behind");

    // The same stack, fixed, does refresh: the listener above is a real witness.
    let main = case.path().join("main.hcl");
    let text = std::fs::read_to_string(&main).unwrap().replace("10.0.128.0/20", "10.244.0.0/16");
    std::fs::write(&main, text).unwrap();
    let out = run(&["plan"], case.path(), &endpoint);
    assert!(endpoint.count() > 0, "a valid stack with state refreshes through the endpoint: {out:?}");
}

#[test]
fn json_diagnostics_carry_both_sides_of_an_overlap() {
    let endpoint = Endpoint::start();
    let out = run(&["validate", "--format", "json"], &corpus_dir().join("cidr-service-overlaps-pod"), &endpoint);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["valid"], false);
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "cidr::overlap").expect("an overlap");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["address"], "aws_eks_cluster.hybrid");
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2, "{d}");
    assert!(labels[1]["message"].as_str().unwrap().contains("service CIDR"), "{d}");
    assert_ne!(labels[0]["start"]["line"], labels[1]["start"]["line"]);
    assert!(d["help"].as_str().unwrap().contains("must not overlap"), "{d}");
    assert_eq!(endpoint.count(), 0);
}

#[test]
fn the_reference_stacks_are_clean() {
    let endpoint = Endpoint::start();
    // hybrid-eks includes hybrid-network: the whole reference architecture, checked as one.
    for name in ["hybrid-network", "hybrid-eks"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks").join(name);
        let out = run(&["validate", "--format", "json"], &dir, &endpoint);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert_eq!(out.status.code(), Some(0), "{name}: {v}");
        assert_eq!(v["error_count"], 0, "{name}: {v}");
        assert_eq!(v["warning_count"], 0, "{name}: {v}");
        assert!(!dir.join(".tether").exists());
    }
    assert_eq!(endpoint.count(), 0);
}
