//! The CI examples (examples/ci): every tether command the GitHub Actions workflows run lives in
//! examples/ci/scripts, and each script is run here, end to end, against the mock cloud: the
//! pull-request plan and its comment, the apply of exactly the reviewed plan (and the refusal of
//! a stale one), and scheduled drift detection with its exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{assert_contains, run_command, Fixture, Run};

const STACK: &str = r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = mock_network.main.id
}
"#;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/scripts").join(name)
}

/// Runs a CI script the way a workflow step does: TETHER_STACK and the tether binary from the
/// environment, in a checkout-like working directory (the fixture's parent).
fn ci(f: &Fixture, name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new("bash");
    cmd.arg(script(name))
        .args(args)
        .current_dir(f.dir.parent().unwrap())
        .env("TETHER", env!("CARGO_BIN_EXE_tether"))
        .env("TETHER_STACK", &f.dir)
        .env("TETHER_MOCK_CLOUD", &f.cloud_path)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_command(cmd)
}

#[test]
fn pull_request_plan_then_main_applies_exactly_the_reviewed_plan() {
    let f = Fixture::new(STACK);
    let out = f.dir.parent().unwrap().join("tether-out");

    ci(&f, "plan.sh", &["tether-out"], &[]).ok();
    let comment = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(comment.starts_with("<!-- tether:plan -->\n"), "the marker the workflow finds its comment by");
    assert_contains(&comment, "**Plan: 2 to add, 0 to change, 0 to destroy.**");
    assert_eq!(std::fs::read_to_string(out.join("has-changes")).unwrap().trim(), "true");
    assert!(f.objects().is_empty(), "planning changes nothing");

    let plan = out.join("plan.tfplan");
    let applied = ci(&f, "apply.sh", &[plan.to_str().unwrap()], &[]).ok();
    assert_contains(&applied.stdout, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    assert_eq!(f.objects().len(), 2);

    // The same plan again is stale (state moved on): refused, nothing changed.
    let calls = f.calls().len();
    let stale = ci(&f, "apply.sh", &[plan.to_str().unwrap()], &[]).expect(1);
    assert_contains(&stale.stderr, "apply::stale-plan");
    assert_eq!(f.calls().len(), calls, "no provider call for a stale plan");

    // A pull request with nothing to do says so.
    ci(&f, "plan.sh", &["tether-out"], &[]).ok();
    assert_eq!(std::fs::read_to_string(out.join("has-changes")).unwrap().trim(), "false");
    assert_contains(&std::fs::read_to_string(out.join("plan.md")).unwrap(), "**No changes.**");
}

#[test]
fn reviewed_high_impact_replacement_is_applied_only_when_allowed() {
    let f = Fixture::new(STACK);
    f.apply();
    f.write("main.hcl", &STACK.replace("10.0.0.0/16", "10.1.0.0/16"));
    let out = f.dir.parent().unwrap().join("tether-out");
    ci(&f, "plan.sh", &["tether-out"], &[]).ok();
    assert_contains(&std::fs::read_to_string(out.join("plan.md")).unwrap(), "[!CAUTION]");
    let plan = out.join("plan.tfplan");
    let refused = ci(&f, "apply.sh", &[plan.to_str().unwrap()], &[]).expect(1);
    assert_contains(&refused.stderr, "apply::high-impact");
    let allowed = ci(&f, "apply.sh", &[plan.to_str().unwrap()], &[("TETHER_ALLOW_REPLACE", "mock_network.main")]);
    assert_contains(&allowed.ok().stdout, "Resources: 2 added, 0 changed, 2 destroyed.");
}

#[test]
fn an_invalid_stack_fails_the_pull_request_job() {
    let f = Fixture::new("resource \"mock_server\" \"web\" {\n  nmae = \"web\"\n}\n");
    let run = ci(&f, "plan.sh", &["tether-out"], &[]).expect(1);
    assert_contains(&run.stderr, "config::unknown-attribute");
}

#[test]
fn scheduled_drift_exits_2_with_an_alert_body_and_0_when_clean() {
    let f = Fixture::new(STACK);
    f.apply();
    let out = f.dir.parent().unwrap().join("tether-out");
    ci(&f, "drift.sh", &["tether-out"], &[]).expect(0);
    assert_contains(&std::fs::read_to_string(out.join("drift.md")).unwrap(), "No drift");

    let web = f.object_at("mock_server.web").unwrap();
    f.cloud().set_attribute(&web.id, "name", "renamed-by-hand".into());
    ci(&f, "drift.sh", &["tether-out"], &[]).expect(2);
    let alert = std::fs::read_to_string(out.join("drift.md")).unwrap();
    assert!(alert.starts_with("<!-- tether:drift -->\n"));
    assert_contains(&alert, "| `mock_server.web` | changed | `name` | `\"web\"` | `\"renamed-by-hand\"` |");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("drift.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["changed"], 1);
}

/// The shell lines of a workflow's `run:` steps.
fn run_lines(workflow: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    let mut block: Option<usize> = None;
    for line in workflow.lines() {
        let t = line.trim_start().trim_start_matches("- ");
        if let Some(key_indent) = block {
            if line.trim().is_empty() || indent(line) > key_indent {
                out.push(line.trim().to_string());
                continue;
            }
            block = None;
        }
        if let Some(rest) = t.strip_prefix("run:") {
            let rest = rest.trim();
            if rest == "|" || rest.is_empty() {
                block = Some(indent(line));
            } else {
                out.push(rest.to_string());
            }
        }
    }
    out
}

#[test]
fn workflows_run_tether_only_through_the_tested_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    let mut scripts_used = std::collections::BTreeSet::new();
    for wf in ["pull-request.yml", "main-apply.yml", "drift.yml"] {
        let lines = run_lines(&std::fs::read_to_string(dir.join(wf)).unwrap());
        assert!(!lines.is_empty(), "{wf} has run steps");
        for line in lines.iter().filter(|l| !l.starts_with('#')) {
            // A tether command outside the scripts would be one that no test runs.
            let direct = line.split_whitespace().any(|w| w == "tether" || w.ends_with("/tether"));
            assert!(!direct || line.starts_with("cargo install"), "{wf} runs tether directly: {line}");
            if let Some(i) = line.find("examples/ci/scripts/") {
                let name: String = line[i + 20..].chars().take_while(|c| !c.is_whitespace()).collect();
                assert!(dir.join("scripts").join(&name).exists(), "{wf} runs a missing script {name}");
                scripts_used.insert(name);
            }
        }
    }
    assert_eq!(scripts_used.into_iter().collect::<Vec<_>>(), ["apply.sh", "drift.sh", "plan.sh"]);
}
