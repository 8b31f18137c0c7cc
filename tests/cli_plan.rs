//! End-to-end tests of `tether plan`: exit codes, plans that make no API calls, saved plans and
//! their staleness, unknown values, and the rendered plan itself.

use crate::common::{self, assert_contains, assert_not_contains, Fixture};

const NETWORK: &str = r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
}
"#;

#[test]
fn detailed_exitcode_is_2_with_changes_0_without_and_1_on_error() {
    let f = Fixture::new(NETWORK);
    // Without the flag, a plan with changes is still a success.
    f.run(&["plan"]).ok();
    f.run(&["plan", "--detailed-exitcode"]).expect(2);
    // Terraform's spelling.
    f.run(&["plan", "-detailed-exitcode"]).expect(2);

    f.apply();
    let run = f.run(&["plan", "--detailed-exitcode"]).ok();
    assert_contains(&run.stdout, "No changes.");

    // An error is 1, never 2, even when the plan would have had changes.
    f.write("main.hcl", &NETWORK.replace("10.0.0.0/16", "10.0.0.0/33"));
    let run = f.run(&["plan", "--detailed-exitcode"]).expect(1);
    assert_contains(&run.stderr, "\"10.0.0.0/33\" is not a valid IPv4 CIDR block");
    f.write("main.hcl", "resource \"mock_network\" \"main\" {\n");
    f.run(&["plan", "--detailed-exitcode"]).expect(1);
}

const WITH_DATA_SOURCE: &str = r#"
data "mock_zones" "all" {}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.id
  cidr_block = "10.0.1.0/24"
  zone       = data.mock_zones.all.names[0]
}
"#;

#[test]
fn planning_a_stack_never_applied_makes_no_provider_call() {
    let f = Fixture::new(WITH_DATA_SOURCE);
    let run = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&run.stdout, "<= read (data resources)");
    assert_contains(&run.stdout, "# data.mock_zones.all will be read during apply");
    assert_contains(&run.stdout, "<= data \"mock_zones\" \"all\" {");
    f.run(&["plan", "--format", "json"]).ok();
    f.run(&["plan", "--out", "plan.json"]).ok();
    assert!(f.calls().is_empty(), "plan made provider calls: {:?}", f.call_log());
    assert!(f.objects().is_empty());
    assert!(!f.state_path().exists(), "plan never writes state");

    // The data source is read during apply, and its value is used.
    f.apply();
    assert!(f.call_log().contains(&"data data.mock_zones.all".to_string()), "{:?}", f.call_log());
    assert_eq!(f.object_at("mock_subnet.a").unwrap().attributes["zone"], "zone-a");
    f.run(&["plan", "--detailed-exitcode"]).ok();

    // Plan still changes nothing once there is something to read.
    let objects = f.objects().len();
    let state = f.state_text();
    f.clear_calls();
    f.run(&["plan"]).ok();
    assert!(f.calls().iter().all(|c| c.op == "read" || c.op == "data"), "plan only reads: {:?}", f.call_log());
    assert_eq!(f.objects().len(), objects);
    assert_eq!(f.state_text(), state);
}

#[test]
fn a_saved_plan_is_applied_as_reviewed() {
    let f = Fixture::new(NETWORK);
    let plan = f.run(&["plan", "-out=plan.json"]).ok();
    assert_contains(&plan.stdout, "Saved the plan to plan.json");
    let show = f.run(&["show", "plan.json"]).ok();
    assert_contains(&show.stdout, "# mock_network.main will be created");
    let json = f.run(&["show", "--format", "json", "plan.json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("show --format json is JSON");
    assert_eq!(v["resource_changes"][0]["change"]["actions"], serde_json::json!(["create"]));

    // Applying a saved plan needs no approval: it was reviewed.
    let run = f.run(&["apply", "plan.json"]).ok();
    assert_contains(&run.stdout, "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    assert_eq!(f.object_at("mock_network.main").unwrap().attributes["name"], "main");
    assert!(!f.lock_path().exists());

    // Applying it twice is refused: the state moved on.
    let again = f.run(&["apply", "plan.json"]).expect(1);
    assert_contains(&again.stderr, "plan is stale");
    assert_eq!(f.objects().len(), 1);
}

#[test]
fn a_saved_plan_is_stale_once_another_apply_changed_state() {
    let f = Fixture::new(NETWORK);
    f.apply();
    f.write("main.hcl", &NETWORK.replace(r#"name       = "main""#, r#"name       = "second""#));
    f.run(&["plan", "--out", "plan.json"]).ok();
    // Someone else applies first.
    f.apply();
    let state = f.state_text();

    f.clear_calls();
    let run = f.run(&["apply", "plan.json"]).expect(1);
    assert_contains(&run.stderr, "plan is stale: the state changed since it was made");
    assert_contains(&run.stderr, "tether plan --out FILE");
    assert!(f.calls().is_empty(), "a stale plan makes no provider call: {:?}", f.call_log());
    assert!(!f.lock_path().exists(), "the lock is released");
    assert_eq!(f.state_text(), state, "state is untouched");
}

#[test]
fn a_saved_plan_made_before_the_first_apply_is_stale_after_it() {
    let f = Fixture::new(NETWORK);
    f.run(&["plan", "--out", "plan.json"]).ok();
    f.apply();
    f.clear_calls();
    let run = f.run(&["apply", "plan.json"]).expect(1);
    assert_contains(&run.stderr, "plan is stale");
    assert!(f.calls().is_empty(), "{:?}", f.call_log());
    assert!(!f.lock_path().exists());
    assert_eq!(f.objects().len(), 1, "nothing was created twice");
}

#[test]
fn a_saved_plan_is_stale_once_a_stack_file_changed() {
    let f = Fixture::new(NETWORK);
    f.run(&["plan", "--out", "plan.json"]).ok();
    f.write("main.hcl", &format!("{NETWORK}\n# an edit after the review\n"));
    let run = f.run(&["apply", "plan.json"]).expect(1);
    assert_contains(&run.stderr, "plan is stale: the stack files changed since it was made");
    assert!(f.calls().is_empty(), "{:?}", f.call_log());
    assert!(f.objects().is_empty());
    assert!(!f.lock_path().exists());

    // A new file counts as a change too.
    let f = Fixture::new(NETWORK);
    f.run(&["plan", "--out", "plan.json"]).ok();
    f.write("extra.hcl", "variable \"unused\" {\n  default = 1\n}\n");
    f.run(&["apply", "plan.json"]).expect(1);
    assert!(f.objects().is_empty());
}

#[test]
fn values_known_only_after_apply_are_shown_as_such() {
    let f = Fixture::new(
        r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_server" "web" {
  name      = "web-${mock_network.main.id}"
  subnet_id = mock_network.main.id
}

output "web_ip" {
  value = mock_server.web.private_ip
}
"#,
    );
    let run = f.run(&["plan"]).ok();
    let squashed = common::squash(&run.stdout);
    assert_contains(&squashed, "+ subnet_id = (known after apply)");
    assert_contains(&squashed, "+ name = (known after apply)");
    assert_contains(&squashed, "+ id = (known after apply)");
    assert_contains(&squashed, "+ web_ip = (known after apply)");
    assert_contains(&run.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");

    let json = f.run(&["plan", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let web = v["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "mock_server.web").unwrap();
    assert_eq!(web["change"]["after_unknown"]["subnet_id"], true);
    assert_eq!(web["change"]["after"]["subnet_id"], serde_json::Value::Null);

    // After apply, the unknowns became real values.
    let apply = f.apply();
    let net = f.object_at("mock_network.main").unwrap();
    assert_eq!(f.object_at("mock_server.web").unwrap().attributes["name"], format!("web-{}", net.id));
    assert_not_contains(&apply.stdout, "(known after apply)\n\nApply complete");
}

const SNAPSHOT_STACK: &str = r#"
variable "admin_password" {
  type      = string
  default   = "not-in-the-plan"
  sensitive = true
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
  tags = {
    team = "net"
  }
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = mock_network.main.id
  password  = var.admin_password
  user_data = <<-EOT
    #!/bin/sh
    echo hello
  EOT

  port {
    from     = 443
    to       = 443
    protocol = "6"
  }
}

output "web_ip" {
  value = mock_server.web.private_ip
}
"#;

#[test]
fn the_human_plan_of_a_small_stack() {
    let f = Fixture::new(SNAPSHOT_STACK);
    let create = f.run(&["plan"]).ok();
    insta::assert_snapshot!("plan_create", create.stdout);

    f.apply();
    let changed = SNAPSHOT_STACK
        .replace(r#"team = "net""#, r#"team = "platform""#)
        .replace("    echo hello\n", "    echo hello\n    echo world\n")
        .replace("from     = 443", "from     = 8443");
    f.write("main.hcl", &changed);
    let update = f.run(&["plan"]).ok();
    insta::assert_snapshot!("plan_update", update.stdout);
    assert_not_contains(&update.stdout, "not-in-the-plan");
}

#[test]
fn the_markdown_plan_is_a_pull_request_comment() {
    let f = Fixture::new(SNAPSHOT_STACK);
    f.apply();
    // An update, and a replacement of the (high-impact) network.
    let changed = SNAPSHOT_STACK
        .replace(r#"team = "net""#, r#"team = "platform""#)
        .replace("10.0.0.0/16", "10.9.0.0/16")
        .replace("from     = 443", "from     = 8443");
    f.write("main.hcl", &changed);
    let md = f.run(&["plan", "--format", "markdown", "--out", "pr.tfplan"]).ok().stdout;
    insta::assert_snapshot!("plan_markdown", md);
    // High-impact first: the caution block and the network's section come before the server's.
    let caution = md.find("[!CAUTION]").expect("a caution block");
    let network = md.find("<summary><code>-/+ mock_network.main</code>").expect("network section");
    let server = md.find("<summary><code>").expect("a section");
    assert!(caution < network && network == server, "{md}");
    assert!(!md.contains("not-in-the-plan"), "secrets never appear");
    // show PLANFILE gives the same report.
    assert_eq!(f.run(&["show", "--format", "markdown", "pr.tfplan"]).ok().stdout, md);
}

#[test]
fn a_huge_markdown_plan_is_shortened_under_the_comment_limit() {
    // 300 servers with 60-line user data: far beyond 65,536 characters in full.
    let script: String = (0..60).map(|i| format!("    echo line {i} of a long bootstrap script\n")).collect();
    let f = Fixture::new(&format!(
        "resource \"mock_server\" \"many\" {{\n  count = 300\n  name = \"s${{count.index}}\"\n  user_data = <<-EOT\n{script}  EOT\n}}\n"
    ));
    let md = f.run(&["plan", "--format", "markdown"]).ok().stdout;
    assert!(md.chars().count() <= 65_536, "{} characters", md.chars().count());
    assert_contains(&md, "**Plan: 300 to add, 0 to change, 0 to destroy.**");
    assert_contains(&md, "shortened to fit GitHub's 65,536-character comment limit");
    assert_contains(&md, "mock_server.many[299]");
}

#[test]
fn the_json_plan_of_a_replacement() {
    let f = Fixture::new(SNAPSHOT_STACK);
    f.apply();
    f.write(
        "main.hcl",
        &SNAPSHOT_STACK.replace("10.0.0.0/16", "10.9.0.0/16").replace(r#"team = "net""#, r#"team = "ops""#),
    );
    let json = f.run(&["plan", "--format", "json"]).ok().stdout;
    let lineage = f.state_or_panic().lineage;
    insta::assert_snapshot!("plan_json_replacement", json.replace(&lineage, "[lineage]"));
}
