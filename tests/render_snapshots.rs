//! Every report in every format a command offers, end to end over the example stacks: plans,
//! cost, drift, validation (clean and with diagnostics), show of a saved plan and of state,
//! `state list`/`show`, outputs, the graph, and the progress lines of apply and destroy.
//!
//! `golden_examples.rs` pins the outputs that existed before presentation moved into
//! tether-render, byte for byte; these complete the set, so that a change to any format a
//! reviewer reads shows up here for review. Values that differ between runs (the state
//! lineage, elapsed seconds) are replaced by placeholders.

use std::path::Path;

use crate::common::{copy_stacks, run_in, Fixture, Run};

/// The quickstart stack (mock provider), in a fixture of its own.
fn quickstart() -> Fixture {
    let text = |p: &str| std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).expect("stack file");
    Fixture::with_files(&[
        ("main.hcl", &text("stacks/quickstart/main.hcl")),
        ("variables.hcl", &text("stacks/quickstart/variables.hcl")),
    ])
}

/// Stdout then stderr, with the lineage and elapsed times replaced.
fn shown(run: &Run, lineage: Option<&str>) -> String {
    let text = format!("{}{}", run.stdout, run.stderr);
    let text = match lineage {
        Some(l) => text.replace(l, "[lineage]"),
        None => text,
    };
    without_elapsed(&text)
}

/// `after 3s` -> `after Ns` and `[12s elapsed]` -> `[Ns elapsed]`: how long an operation took
/// depends on the machine, not on tether.
fn without_elapsed(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        out.push_str(&seconds_as_n(&seconds_as_n(line, " after ", "s"), "[", "s elapsed]"));
    }
    out
}

/// Replaces the number between `before` and `unit` (every occurrence) with `N`.
fn seconds_as_n(line: &str, before: &str, unit: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(before) {
        let (head, tail) = rest.split_at(i + before.len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && tail[digits..].starts_with(unit) {
            out.push('N');
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn elapsed_times_are_replaced() {
    assert_eq!(
        without_elapsed("a: Creation complete after 12s [id=x]\nb: still creating... [10s elapsed]\nafter 3 sheep\n"),
        "a: Creation complete after Ns [id=x]\nb: still creating... [Ns elapsed]\nafter 3 sheep\n"
    );
}

#[test]
fn quickstart_reports_in_every_format() {
    let f = quickstart();
    let snap = |name: &str, args: &[&str], code: i32, lineage: Option<&str>| {
        let run = f.run(args).expect(code);
        insta::assert_snapshot!(format!("quickstart_{name}"), shown(&run, lineage));
    };

    // Before the first apply: no state, no provider call.
    snap("validate_json", &["validate", "--format", "json"], 0, None);
    snap("validate_markdown", &["validate", "--format", "markdown"], 0, None);
    snap("plan_create_markdown", &["plan", "--format", "markdown"], 0, None);
    snap("graph_dot", &["graph", "--format", "dot"], 0, None);
    snap("cost_create_json", &["cost", "--format", "json"], 0, None);
    snap("cost_create_markdown", &["cost", "--format", "markdown"], 0, None);
    snap("show_no_state", &["show"], 0, None);
    snap("drift_no_state", &["drift"], 0, None);

    // A saved plan, shown, then applied one operation at a time (the mock cloud numbers
    // objects in creation order, and the progress lines come in walk order).
    snap("plan_saved", &["plan", "--out", "create.tfplan"], 0, None);
    snap("show_saved_plan", &["show", "create.tfplan"], 0, None);
    snap("show_saved_plan_json", &["show", "create.tfplan", "--format", "json"], 0, None);
    snap("apply_progress", &["apply", "--parallelism", "1", "create.tfplan"], 0, None);

    let lineage = f.state_or_panic().lineage;
    let lineage = Some(lineage.as_str());
    snap("state_list_filtered", &["state", "list", "mock_subnet.zone"], 0, lineage);
    snap("state_show_subnet", &["state", "show", "mock_subnet.zone[\"a\"]"], 0, lineage);
    snap("output_all", &["output"], 0, lineage);
    snap("output_named", &["output", "network_id"], 0, lineage);
    snap("output_named_json", &["output", "server_ips", "--json"], 0, lineage);
    snap("output_raw", &["output", "network_id", "--raw"], 0, lineage);
    snap("output_named_list", &["output", "subnet_cidrs"], 0, lineage);

    // A change to review: every format of the plan and the cost.
    let update = ["--var", "server_count=3", "--var", "vpc_cidr=10.1.0.0/16"];
    let with = |args: &[&'static str]| -> Vec<&'static str> { args.iter().copied().chain(update).collect() };
    snap("plan_update_human", &with(&["plan"]), 0, lineage);
    snap("plan_update_markdown_replacements", &with(&["plan", "--format", "markdown"]), 0, lineage);
    snap("cost_update_human", &with(&["cost"]), 0, lineage);
    snap("cost_update_json", &with(&["cost", "--format", "json"]), 0, lineage);
    snap("cost_update_markdown", &with(&["cost", "--format", "markdown"]), 0, lineage);

    // Drift: a changed attribute, a deleted object, and an object the stack owns that state
    // forgot.
    let cloud = f.cloud();
    let id = |a: &str| f.object_at(a).expect("object in the mock cloud").id;
    cloud.set_attribute(&id("mock_server.node[0]"), "size", "large".into());
    cloud.delete_object(&id("mock_server.node[1]"));
    f.run(&["state", "rm", "mock_subnet.zone[\"b\"]"]).ok();
    snap("drift_human", &["drift"], 2, lineage);
    snap("drift_json", &["drift", "--format", "json"], 2, lineage);
    snap("drift_markdown", &["drift", "--format", "markdown"], 2, lineage);
    snap("drift_accept", &["drift", "--accept", "--auto-approve"], 0, lineage);
    snap("show_state_accepted", &["show"], 0, lineage);
    snap("show_state_accepted_json", &["show", "--format", "json"], 0, lineage);

    // Everything destroyed, one operation at a time.
    snap("destroy_progress", &["destroy", "--auto-approve", "--parallelism", "1"], 0, lineage);
}

const TYPO: &str = r#"resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  nmae       = "main"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = mock_network.main.id
}
"#;

#[test]
fn validate_reports_diagnostics_in_every_format() {
    let f = Fixture::new(TYPO);
    let snap = |name: &str, args: &[&str]| {
        let run = f.run(args).expect(1);
        insta::assert_snapshot!(format!("typo_{name}"), shown(&run, None));
    };
    snap("validate_human", &["validate"]);
    snap("validate_json", &["validate", "--format", "json"]);
    snap("validate_markdown", &["validate", "--format", "markdown"]);
    assert!(f.calls().is_empty(), "validation makes no provider call");
}

#[test]
fn reference_stacks_in_the_formats_golden_examples_leave_out() {
    let (_tmp, root) = copy_stacks();
    for stack in ["hybrid-network", "hybrid-eks"] {
        let dir = root.join(stack);
        let name = stack.replace('-', "_");
        let snap = |what: &str, args: &[&str]| {
            let run = run_in(&dir, args).ok();
            insta::assert_snapshot!(format!("{name}_{what}"), shown(&run, None));
        };
        snap("validate_human", &["validate"]);
        snap("validate_markdown", &["validate", "--format", "markdown"]);
        snap("cost_human", &["cost"]);
        snap("cost_markdown", &["cost", "--format", "markdown"]);
        snap("graph_mermaid", &["graph", "--format", "mermaid"]);
        run_in(&dir, &["plan", "--out", "reviewed.tfplan"]).ok();
        snap("show_saved_plan", &["show", "reviewed.tfplan"]);
        snap("show_saved_plan_markdown", &["show", "reviewed.tfplan", "--format", "markdown"]);
    }
}
