//! Golden outputs of the example stacks: what people review (plans in every format, cost,
//! validation, the graph) and what tether stores (saved plans, state), byte for byte.
//!
//! These snapshots pin the formats: a change to any of them shows up here for review, and a
//! refactoring that is meant to change nothing must leave every one of them untouched.

use std::path::Path;

use crate::common::{copy_stacks, run_in, Fixture};

#[test]
fn reference_stacks_plan_and_validate_unchanged() {
    let (_tmp, root) = copy_stacks();
    for stack in ["hybrid-network", "hybrid-eks"] {
        let dir = root.join(stack);
        let name = stack.replace('-', "_");
        let validate = run_in(&dir, &["validate", "--format", "json"]).ok();
        insta::assert_snapshot!(format!("{name}_validate_json"), validate.stdout);
        let human = run_in(&dir, &["plan"]).ok();
        insta::assert_snapshot!(format!("{name}_plan_human"), human.stdout);
        let json = run_in(&dir, &["plan", "--format", "json"]).ok();
        insta::assert_snapshot!(format!("{name}_plan_json"), json.stdout);
        let md = run_in(&dir, &["plan", "--format", "markdown"]).ok();
        insta::assert_snapshot!(format!("{name}_plan_markdown"), md.stdout);
        let cost = run_in(&dir, &["cost", "--format", "json"]).ok();
        insta::assert_snapshot!(format!("{name}_cost_json"), cost.stdout);
        let dot = run_in(&dir, &["graph"]).ok();
        insta::assert_snapshot!(format!("{name}_graph_dot"), dot.stdout);
        let saved = run_in(&dir, &["plan", "--out", "golden.tfplan"]).ok();
        assert!(saved.stdout.contains("Plan:"), "{}", saved.stdout);
        let bytes = std::fs::read_to_string(dir.join("golden.tfplan")).expect("saved plan");
        insta::assert_snapshot!(format!("{name}_saved_plan"), bytes);
        let shown = run_in(&dir, &["show", "golden.tfplan", "--format", "json"]).ok();
        assert_eq!(shown.stdout, json.stdout, "show of a saved plan prints what plan printed");
    }
}

#[test]
fn quickstart_lifecycle_outputs_unchanged() {
    let text = |p: &str| std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).expect("stack file");
    let f = Fixture::with_files(&[
        ("main.hcl", &text("stacks/quickstart/main.hcl")),
        ("variables.hcl", &text("stacks/quickstart/variables.hcl")),
    ]);
    let snap = |name: &str, args: &[&str], code: i32| {
        let run = f.run(args).expect(code);
        insta::assert_snapshot!(format!("quickstart_{name}"), format!("{}{}", run.stdout, run.stderr));
    };
    snap("validate", &["validate"], 0);
    snap("plan_create", &["plan"], 0);
    snap("plan_create_json", &["plan", "--format", "json"], 0);
    snap("graph_mermaid", &["graph", "--format", "mermaid"], 0);
    f.run(&["plan", "--out", "create.tfplan"]).ok();
    // One operation at a time: the mock cloud numbers objects in creation order.
    f.run(&["apply", "--parallelism", "1", "create.tfplan"]).ok();

    let state = f.state_or_panic();
    let lineage = state.lineage.clone();
    let redact = |s: String| s.replace(&lineage, "[lineage]");
    insta::assert_snapshot!("quickstart_state_after_create", redact(f.state_text()));
    let snap = |name: &str, args: &[&str], code: i32| {
        let run = f.run(args).expect(code);
        insta::assert_snapshot!(format!("quickstart_{name}"), redact(format!("{}{}", run.stdout, run.stderr)));
    };
    snap("show_state", &["show"], 0);
    snap("show_state_json", &["show", "--format", "json"], 0);
    snap("state_list", &["state", "list"], 0);
    snap("state_show", &["state", "show", "mock_server.node[0]"], 0);
    snap("output_json", &["output", "--json"], 0);
    snap("plan_noop", &["plan", "--detailed-exitcode"], 0);
    snap(
        "plan_update_json",
        &["plan", "--format", "json", "--var", "server_count=3", "--var", "vpc_cidr=10.1.0.0/16"],
        0,
    );
    snap("plan_update_markdown", &["plan", "--format", "markdown", "--var", "server_count=3"], 0);
    snap("cost", &["cost"], 0);
    snap("plan_destroy_json", &["plan", "--destroy", "--format", "json"], 0);
    snap("plan_target", &["plan", "--var", "server_count=3", "--target", "mock_server.node[2]"], 0);
}
