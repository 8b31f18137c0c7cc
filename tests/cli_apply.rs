//! End-to-end tests of `tether apply` and `destroy`: the whole lifecycle, failure isolation,
//! parallelism and progress, crash recovery, prevent_destroy, targeting, instances and drift.

use crate::common::{self, assert_contains, assert_not_contains, squash, tag_address, Fixture};

const LIFECYCLE_V1: &str = r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = "subnet-a"

  lifecycle {
    create_before_destroy = true
  }
}
"#;

#[test]
fn plan_apply_replan_update_replace_destroy() {
    let f = Fixture::new(LIFECYCLE_V1);

    // A first plan shows two creates and exits 2 with --detailed-exitcode.
    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&plan.stdout, "# mock_network.main will be created");
    assert_contains(&plan.stdout, "# mock_server.web will be created");
    assert_contains(&plan.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");

    let apply = f.apply();
    assert_contains(&apply.stdout, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    let net = f.object_at("mock_network.main").expect("network in the cloud");
    let web = f.object_at("mock_server.web").expect("server in the cloud");
    assert_eq!(net.attributes["cidr_block"], "10.0.0.0/16");
    assert_eq!(f.state_addresses(), ["mock_network.main", "mock_server.web"]);

    // Apply then plan is empty.
    let replan = f.run(&["plan", "--detailed-exitcode"]).ok();
    assert_contains(&replan.stdout, "No changes");

    // An updatable attribute changes in place: same object, new value.
    f.write("main.hcl", &LIFECYCLE_V1.replace(r#"name       = "main""#, r#"name       = "renamed""#));
    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&plan.stdout, "# mock_network.main will be updated in-place");
    assert_contains(&squash(&plan.stdout), r#"~ name = "main" -> "renamed""#);
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    let apply = f.apply();
    assert_contains(&apply.stdout, "Resources: 0 added, 1 changed, 0 destroyed.");
    let updated = f.object_at("mock_network.main").unwrap();
    assert_eq!(updated.id, net.id, "an update keeps the object");
    assert_eq!(updated.attributes["name"], "renamed");
    f.run(&["plan", "--detailed-exitcode"]).ok();

    // A force-new attribute replaces; with create_before_destroy the new object comes first.
    let v2 = LIFECYCLE_V1.replace(r#"name       = "main""#, r#"name       = "renamed""#);
    f.write("main.hcl", &v2.replace("subnet-a", "subnet-b"));
    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&plan.stdout, "+/- resource \"mock_server\" \"web\"");
    assert_contains(&plan.stdout, "must be replaced (the replacement is created first)");
    assert_contains(&squash(&plan.stdout), r#"~ subnet_id = "subnet-a" -> "subnet-b" # forces replacement"#);
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 1 to destroy.");
    f.clear_calls();
    let apply = f.apply();
    assert_contains(&apply.stdout, "Resources: 1 added, 0 changed, 1 destroyed.");
    let replaced = f.object_at("mock_server.web").expect("the replacement exists");
    assert_ne!(replaced.id, web.id, "a replacement is a new object");
    assert!(f.cloud().object(&web.id).is_none(), "the old object is gone");
    assert_eq!(replaced.attributes["subnet_id"], "subnet-b");
    let log = f.call_log();
    let created = log.iter().position(|c| c == "create mock_server.web").expect("a create call");
    let deleted = log.iter().position(|c| c == "delete mock_server.web").expect("a delete call");
    assert!(created < deleted, "create_before_destroy creates first: {log:?}");
    assert_eq!(f.state_or_panic().resource(&common::addr("mock_server.web")).unwrap().id, replaced.id);
    f.run(&["plan", "--detailed-exitcode"]).ok();

    // Without create_before_destroy, the old object goes first.
    f.write("main.hcl", &v2.replace("subnet-a", "subnet-b").replace("10.0.0.0/16", "10.1.0.0/16"));
    let plan = f.run(&["plan"]).ok();
    assert_contains(&plan.stdout, "-/+ resource \"mock_network\" \"main\"");
    assert_contains(&squash(&plan.stdout), r#"~ cidr_block = "10.0.0.0/16" -> "10.1.0.0/16" # forces replacement"#);
    f.clear_calls();
    // The mock network is a high-impact type: its replacement must be allowed by name.
    f.run(&["apply", "--auto-approve", "--allow-replace", "mock_network.main"]).ok();
    let log = f.call_log();
    let deleted = log.iter().position(|c| c == "delete mock_network.main").expect("a delete call");
    let created = log.iter().position(|c| c == "create mock_network.main").expect("a create call");
    assert!(deleted < created, "delete, then create: {log:?}");
    let net2 = f.object_at("mock_network.main").unwrap();
    assert_ne!(net2.id, updated.id);
    assert_eq!(net2.attributes["cidr_block"], "10.1.0.0/16");

    // Destroy leaves nothing in the cloud and nothing in state.
    let destroy = f.run(&["destroy", "--auto-approve"]).ok();
    assert_contains(&destroy.stdout, "Destroy complete! Resources: 0 added, 0 changed, 2 destroyed.");
    assert!(f.objects().is_empty(), "cloud is empty: {:#?}", f.objects());
    let state = f.state_or_panic();
    assert!(state.resources.is_empty(), "state has no resources: {:#?}", state.resources);
    let replan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&replan.stdout, "Plan: 2 to add");
}

const TWO_BRANCHES: &str = r#"
resource "mock_network" "a" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_server" "a" {
  name      = "a"
  subnet_id = mock_network.a.id
  fail_on   = "create"
}

resource "mock_server" "a_child" {
  name = "${mock_server.a.name}-child"
}

resource "mock_network" "b" {
  cidr_block = "10.1.0.0/16"
}

resource "mock_server" "b" {
  name      = "b"
  subnet_id = mock_network.b.id
}

output "b_ip" {
  value = mock_server.b.private_ip
}
"#;

#[test]
fn a_failure_stops_only_its_dependents() {
    let f = Fixture::new(TWO_BRANCHES);
    let run = f.run(&["apply", "--auto-approve"]).expect(1);

    // The failure and the skipped dependent are listed, by name.
    assert_contains(&run.stdout, "mock_server.a: creating failed: simulated failure creating mock_server.a");
    assert_contains(&run.stdout, "mock_server.a_child: skipped: it depends on mock_server.a, which failed");
    assert_contains(&run.stdout, "Apply failed.");
    assert_contains(&run.stderr, "creating mock_server.a: simulated failure creating mock_server.a");
    assert_contains(&run.stderr, "mock_server.a_child was not applied: it depends on mock_server.a, which failed");
    assert_contains(&run.stderr, "main.hcl:6:1");

    // The independent branch was created in full; the failing branch up to the failure.
    for address in ["mock_network.a", "mock_network.b", "mock_server.b"] {
        assert!(f.object_at(address).is_some(), "{address} was created");
    }
    assert!(f.object_at("mock_server.a").is_none());
    assert!(f.object_at("mock_server.a_child").is_none());
    assert!(!f.call_log().contains(&"create mock_server.a_child".to_string()), "a skipped resource is never called");

    // State records exactly what succeeded, and the outputs of the branch that finished.
    let state = f.state_or_panic();
    assert_eq!(f.state_addresses(), ["mock_network.a", "mock_network.b", "mock_server.b"]);
    assert!(state.journal.is_empty(), "a failed create leaves no intent behind: {:?}", state.journal);
    assert_eq!(state.outputs["b_ip"].value, f.object_at("mock_server.b").unwrap().attributes["private_ip"]);

    // Once the cause is gone, a re-run finishes the rest and nothing else.
    f.write("main.hcl", &TWO_BRANCHES.replace(r#"fail_on   = "create""#, ""));
    let plan = f.run(&["plan"]).ok();
    assert_contains(&plan.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");
    let run = f.apply();
    assert_contains(&run.stdout, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    assert_eq!(f.object_at("mock_server.a_child").unwrap().attributes["name"], "a-child");
    assert_eq!(f.state_addresses().len(), 5);
    assert_eq!(f.objects().len(), 5);
    f.run(&["plan", "--detailed-exitcode"]).ok();
}

const THREE_SLOW_SERVERS: &str = r#"
resource "mock_server" "slow" {
  count          = 3
  name           = "slow-${count.index}"
  apply_delay_ms = 300
}
"#;

#[test]
fn parallelism_one_runs_one_operation_at_a_time() {
    let f = Fixture::new(THREE_SLOW_SERVERS);
    let run = f.run(&["apply", "--auto-approve", "--parallelism", "1"]).ok();
    for i in 0..2 {
        let done = run.line_of(&format!("mock_server.slow[{i}]: Creation complete after"));
        let next = run.line_of(&format!("mock_server.slow[{}]: Creating...", i + 1));
        assert!(
            done < next,
            "with --parallelism 1 an operation starts only after the previous finished:\n{}",
            run.stdout
        );
    }
    assert_eq!(f.objects().len(), 3);
}

#[test]
fn default_parallelism_overlaps_operations_and_reports_progress() {
    let f = Fixture::new(THREE_SLOW_SERVERS);
    let run = f.apply();
    let first_done =
        (0..3).map(|i| run.line_of(&format!("mock_server.slow[{i}]: Creation complete after"))).min().unwrap();
    for i in 0..3 {
        let started = run.line_of(&format!("mock_server.slow[{i}]: Creating..."));
        assert!(started < first_done, "all three run at once by default:\n{}", run.stdout);
        // What it waits for, from the provider, and how it ended, with the new id.
        run.line_of(&format!("mock_server.slow[{i}]: waiting for server to become ready (0s elapsed)"));
        let id = f.object_at(&format!("mock_server.slow[{i}]")).unwrap().id;
        run.line_of(&format!("mock_server.slow[{i}]: Creation complete after 0s [id={id}]"));
    }
}

#[test]
fn a_crash_mid_create_is_adopted_by_the_next_apply() {
    let f = Fixture::new(
        r#"
resource "mock_network" "n" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_server" "slow" {
  name           = "slow"
  subnet_id      = mock_network.n.id
  apply_delay_ms = 1500
}
"#,
    );
    let mut child = f.spawn(&["apply", "--auto-approve"]);
    // The mock creates the object, then waits for it to become ready: kill the run in between.
    common::wait_until(std::time::Duration::from_secs(20), "the server to exist in the cloud", || {
        f.object_at("mock_server.slow").is_some()
    });
    child.kill().expect("kill tether");
    let killed = common::wait_with_timeout(child, std::time::Duration::from_secs(10));
    assert_ne!(killed.code, 0);
    // Progress was printed while the run was still going.
    assert_contains(&killed.stdout, "mock_server.slow: Creating...");
    let adopted = f.object_at("mock_server.slow").unwrap();

    // State knows the network, and holds the intent to create the server.
    let state = f.state_or_panic();
    assert_eq!(f.state_addresses(), ["mock_network.n"]);
    assert_eq!(state.journal.len(), 1, "{:?}", state.journal);
    assert_eq!(state.journal[0].address, common::addr("mock_server.slow"));
    assert_eq!(state.journal[0].operation, tether_state::Operation::Create);
    assert_eq!(Some(state.journal[0].idempotency_token.clone()), adopted.idempotency_token);

    // The killed run left its lock; the plan reads without it.
    let lock: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f.lock_path()).unwrap()).unwrap();
    let lock_id = lock["id"].as_str().unwrap().to_string();
    let plan = f.run(&["plan"]).ok();
    assert_contains(&plan.stdout, "a previous apply was interrupted while creating mock_server.slow");

    // Its holder is provably gone on this machine, so the next apply takes the lock over,
    // saying so, and needs no one to run force-unlock.
    let run = f.apply();
    assert_contains(&common::flat(&run.stderr), &format!("took over lock {lock_id} of an earlier apply"));
    let done = run.line_of("mock_server.slow: Creation complete after");
    assert_contains(run.lines()[done], &format!("[id={}]", adopted.id));

    // The object of the crashed run was adopted: same id, one object, nothing orphaned.
    let servers = f.objects_of("mock_server");
    assert_eq!(servers.len(), 1, "no duplicate: {servers:#?}");
    assert_eq!(servers[0].id, adopted.id);
    assert_eq!(f.objects().len(), 2);
    let state = f.state_or_panic();
    assert!(state.journal.is_empty(), "the journal is cleared: {:?}", state.journal);
    assert_eq!(state.resource(&common::addr("mock_server.slow")).unwrap().id, adopted.id);
    f.run(&["plan", "--detailed-exitcode"]).ok();
}

const PROTECTED: &str = r#"
resource "mock_network" "keep" {
  cidr_block = "10.0.0.0/16"

  lifecycle {
    prevent_destroy = true
  }
}
"#;

#[test]
fn prevent_destroy_refuses_a_plan_that_would_destroy_or_replace() {
    let f = Fixture::new(PROTECTED);
    f.apply();
    let net = f.object_at("mock_network.keep").unwrap();

    // A replacement is refused, naming the resource, its line and the attribute forcing it.
    f.write("main.hcl", &PROTECTED.replace("10.0.0.0/16", "10.9.0.0/16"));
    f.clear_calls();
    for args in [&["plan"][..], &["apply", "--auto-approve"]] {
        let run = f.run(args).expect(1);
        assert_contains(
            &run.stderr,
            "mock_network.keep has lifecycle.prevent_destroy set, but the plan would replace it",
        );
        assert_contains(&run.stderr, "main.hcl:2:1");
        assert_contains(&run.stderr, "changing cidr_block forces replacement");
    }

    // So is destroying it.
    f.write("main.hcl", PROTECTED);
    let run = f.run(&["destroy", "--auto-approve"]).expect(1);
    assert_contains(&run.stderr, "mock_network.keep has lifecycle.prevent_destroy set, but the plan would destroy it");
    assert_contains(&run.stderr, "main.hcl:2:1");
    let run = f.run(&["plan", "--destroy"]).expect(1);
    assert_contains(&run.stderr, "would destroy it");

    // Nothing was changed or deleted.
    assert!(f.call_log().iter().all(|c| c.starts_with("read ")), "{:?}", f.call_log());
    assert_eq!(f.objects().len(), 1);
    assert_eq!(f.object_at("mock_network.keep").unwrap().id, net.id);
    assert!(!f.lock_path().exists());
}

const TARGETING: &str = r#"
resource "mock_network" "core" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "app" {
  network_id = mock_network.core.id
  cidr_block = "10.0.1.0/24"
}

resource "mock_server" "app" {
  name      = "app"
  subnet_id = mock_subnet.app.id
}

resource "mock_network" "other" {
  cidr_block = "10.1.0.0/16"
}

output "server_ip" {
  value = mock_server.app.private_ip
}
"#;

fn planned_addresses(plan: &str) -> Vec<String> {
    let mut v: Vec<String> = plan
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# "))
        .filter_map(|l| l.split_once(" will be ").map(|(a, _)| a.to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn target_plans_the_target_and_its_dependencies_only() {
    let f = Fixture::new(TARGETING);
    let plan = f.run(&["plan", "--target", "mock_subnet.app"]).ok();
    assert_eq!(planned_addresses(&plan.stdout), ["mock_network.core", "mock_subnet.app"]);

    f.run(&["apply", "--auto-approve", "--target", "mock_subnet.app"]).ok();
    assert_eq!(f.state_addresses(), ["mock_network.core", "mock_subnet.app"]);
    assert_eq!(f.objects().len(), 2);

    // Terraform's single-dash spelling works too; the rest is applied afterwards.
    let plan = f.run(&["plan", "-target=mock_server.app"]).ok();
    assert_eq!(planned_addresses(&plan.stdout), ["mock_server.app"]);
    f.apply();
    assert_eq!(f.objects().len(), 4);
    f.run(&["plan", "--detailed-exitcode"]).ok();
}

#[test]
fn exclude_leaves_the_excluded_and_its_dependents_untouched() {
    let f = Fixture::new(TARGETING);
    let plan = f.run(&["plan", "--exclude", "mock_subnet.app"]).ok();
    assert_eq!(planned_addresses(&plan.stdout), ["mock_network.core", "mock_network.other"]);

    let run = f.run(&["apply", "--auto-approve", "--exclude", "mock_subnet.app"]).ok();
    assert_contains(&run.stdout, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    assert_eq!(f.state_addresses(), ["mock_network.core", "mock_network.other"]);
    assert!(f.object_at("mock_subnet.app").is_none());
    assert!(f.object_at("mock_server.app").is_none());

    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_eq!(planned_addresses(&plan.stdout), ["mock_server.app", "mock_subnet.app"]);
}

#[test]
fn an_unknown_target_is_an_error_with_a_suggestion() {
    let f = Fixture::new(TARGETING);
    let run = f.run(&["plan", "--target", "mock_subnet.ap"]).expect(1);
    assert_contains(&run.stderr, "mock_subnet.ap matches no resource in the stack or state");
    assert_contains(&run.stderr, "did you mean mock_subnet.app?");
    let run = f.run(&["apply", "--auto-approve", "--exclude", "mock_servr.app"]).expect(1);
    assert_contains(&run.stderr, "did you mean mock_server.app?");
    let run = f.run(&["plan", "--target", "not an address"]).expect(1);
    assert_contains(&run.stderr, "invalid resource address");
    assert!(f.objects().is_empty());
    assert!(f.calls().is_empty());
}

const INSTANCES: &str = r#"
variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

resource "mock_server" "c" {
  count = length(var.names)
  name  = var.names[count.index]
}

resource "mock_server" "e" {
  for_each = toset(var.names)
  name     = "e-${each.key}"
}
"#;

#[test]
fn count_and_for_each_changes_add_and_remove_the_right_instances() {
    let f = Fixture::new(INSTANCES);
    f.apply();
    let before: Vec<String> =
        ["mock_server.c[0]", "mock_server.c[1]", r#"mock_server.e["a"]"#, r#"mock_server.e["b"]"#]
            .iter()
            .map(|a| f.object_at(a).expect(a).id)
            .collect();

    let plan = f.run(&["plan", "-var", r#"names=["a","b","c"]"#]).ok();
    assert_eq!(planned_addresses(&plan.stdout), ["mock_server.c[2]", r#"mock_server.e["c"]"#]);
    f.run(&["apply", "--auto-approve", "-var", r#"names=["a","b","c"]"#]).ok();
    assert_eq!(f.objects().len(), 6);
    assert_eq!(f.object_at(r#"mock_server.e["c"]"#).unwrap().attributes["name"], "e-c");

    // Shrinking removes the instances whose keys are gone and keeps the others as they are.
    let plan = f.run(&["plan", "-var", r#"names=["a"]"#]).ok();
    assert_eq!(
        planned_addresses(&plan.stdout),
        ["mock_server.c[1]", "mock_server.c[2]", r#"mock_server.e["b"]"#, r#"mock_server.e["c"]"#]
    );
    assert_contains(&plan.stdout, "because its instance key is no longer in count/for_each");
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 4 to destroy.");
    f.run(&["apply", "--auto-approve", "-var", r#"names=["a"]"#]).ok();
    assert_eq!(f.state_addresses(), ["mock_server.c[0]", r#"mock_server.e["a"]"#]);
    assert_eq!(f.object_at("mock_server.c[0]").unwrap().id, before[0]);
    assert_eq!(f.object_at(r#"mock_server.e["a"]"#).unwrap().id, before[2]);
    assert_eq!(f.objects().len(), 2);
    f.run(&["plan", "--detailed-exitcode", "-var", r#"names=["a"]"#]).ok();
}

const DRIFT: &str = r#"
resource "mock_server" "kept" {
  name = "kept"
  size = "small"

  lifecycle {
    ignore_changes = [size]
  }
}

resource "mock_server" "watched" {
  name = "watched"
  size = "small"
}

resource "mock_server" "gone" {
  name = "gone"
}
"#;

#[test]
fn changes_made_outside_tether_show_in_the_next_plan() {
    let f = Fixture::new(DRIFT);
    f.apply();
    let cloud = f.cloud();
    let kept = f.object_at("mock_server.kept").unwrap();
    let watched = f.object_at("mock_server.watched").unwrap();
    let gone = f.object_at("mock_server.gone").unwrap();
    cloud.set_attribute(&kept.id, "size", "large".into());
    cloud.set_attribute(&watched.id, "size", "large".into());
    cloud.delete_object(&gone.id);

    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_eq!(planned_addresses(&plan.stdout), ["mock_server.gone", "mock_server.watched"]);
    assert_contains(&plan.stdout, "# mock_server.watched will be updated in-place");
    assert_contains(&squash(&plan.stdout), r#"~ size = "large" -> "small""#);
    assert_contains(&plan.stdout, "# mock_server.gone will be created\n  # (because it was deleted outside tether)");
    assert_not_contains(&plan.stdout, "mock_server.kept");

    f.apply();
    assert_eq!(f.object_at("mock_server.watched").unwrap().attributes["size"], "small");
    assert_eq!(f.object_at("mock_server.kept").unwrap().attributes["size"], "large", "ignore_changes keeps it");
    let recreated = f.object_at("mock_server.gone").unwrap();
    assert_ne!(recreated.id, gone.id);
    assert_eq!(f.objects().iter().filter(|o| tag_address(o).is_some()).count(), 3);
    f.run(&["plan", "--detailed-exitcode"]).ok();
}

#[test]
fn destroy_deletes_dependents_before_what_they_depend_on() {
    let f = Fixture::new(
        r#"
resource "mock_network" "n" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "s" {
  network_id = mock_network.n.id
  cidr_block = "10.0.1.0/24"
}

resource "mock_server" "v" {
  name      = "v"
  subnet_id = mock_subnet.s.id
}
"#,
    );
    f.apply();
    assert_eq!(
        f.call_log().iter().filter(|c| c.starts_with("create")).collect::<Vec<_>>(),
        ["create mock_network.n", "create mock_subnet.s", "create mock_server.v"]
    );
    f.clear_calls();
    let plan = f.run(&["plan", "--destroy"]).ok();
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 3 to destroy.");
    f.run(&["destroy", "--auto-approve"]).ok();
    assert_eq!(
        f.call_log().iter().filter(|c| c.starts_with("delete")).collect::<Vec<_>>(),
        ["delete mock_server.v", "delete mock_subnet.s", "delete mock_network.n"]
    );
    assert!(f.objects().is_empty());
    let again = f.run(&["destroy", "--auto-approve"]).ok();
    assert_contains(&again.stdout, "No changes.");
}

#[test]
fn apply_without_a_terminal_needs_auto_approve_or_a_saved_plan() {
    let f = Fixture::new(LIFECYCLE_V1);
    let run = f.run(&["apply"]).expect(1);
    assert_contains(&run.stderr, "apply needs approval, but there is no terminal to ask on");
    assert_contains(&run.stderr, "--auto-approve");
    assert!(f.calls().is_empty(), "{:?}", f.call_log());
    assert!(f.objects().is_empty());
    assert!(!f.lock_path().exists());
    f.run(&["apply", "-auto-approve"]).ok();
    assert_eq!(f.objects().len(), 2);

    f.clear_calls();
    let run = f.run(&["destroy"]).expect(1);
    assert_contains(&run.stderr, "apply needs approval");
    assert!(f.calls().iter().all(|c| c.op == "read"), "{:?}", f.call_log());
    assert_eq!(f.objects().len(), 2);
    assert!(!f.lock_path().exists());
}

#[test]
fn high_impact_replacement_needs_allow_replace() {
    let f = Fixture::new(LIFECYCLE_V1);
    f.apply();
    let net = f.object_at("mock_network.main").unwrap();
    f.write("main.hcl", &LIFECYCLE_V1.replace("10.0.0.0/16", "10.1.0.0/16"));

    // Every report marks it, first.
    let plan = f.run(&["plan", "--out", "replace.tfplan"]).ok();
    assert_contains(&plan.stdout, "Warning: this plan replaces or destroys 1 high-impact object:");
    assert_contains(&plan.stdout, "mock_network.main (replaced): every subnet and server in the network loses");
    assert_contains(&plan.stdout, "--allow-replace 'mock_network.main'");
    assert_contains(&plan.stdout, "# HIGH IMPACT: every subnet");
    let json: serde_json::Value =
        serde_json::from_str(&f.run(&["show", "--format", "json", "replace.tfplan"]).ok().stdout).unwrap();
    assert_eq!(json["high_impact"], serde_json::json!(["mock_network.main"]));
    let change = json["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "mock_network.main");
    assert_eq!(change.unwrap()["high_impact"], true);

    // apply refuses, before any call, with the flag to add; a saved plan too.
    f.clear_calls();
    for args in [&["apply", "--auto-approve"][..], &["apply", "replace.tfplan"][..]] {
        let refused = f.run(args).expect(1);
        assert_contains(&refused.stderr, "apply::high-impact");
        assert_contains(&refused.stderr, "the plan would replace mock_network.main, a high-impact object");
        assert_contains(&refused.stderr, "--allow-replace 'mock_network.main'");
        assert!(
            f.call_log().iter().all(|c| !c.starts_with("create") && !c.starts_with("delete")),
            "{:?}",
            f.call_log()
        );
        assert_eq!(f.object_at("mock_network.main").unwrap().id, net.id, "the network is untouched");
        assert!(!f.lock_path().exists(), "the lock is released");
    }

    // A name that matches nothing protects nothing, and says so.
    let wrong = f.run(&["apply", "--auto-approve", "--allow-replace", "mock_network.other"]).expect(1);
    assert_contains(&wrong.stderr, "--allow-replace mock_network.other matches no high-impact change");

    // Named, the saved plan is applied.
    let run = f.run(&["apply", "--allow-replace", "mock_network.main", "replace.tfplan"]).ok();
    assert_contains(&run.stdout, "Resources: 1 added, 0 changed, 1 destroyed.");
    assert_ne!(f.object_at("mock_network.main").unwrap().id, net.id);

    // destroy is exempt: deleting everything is what it was asked for.
    f.run(&["destroy", "--auto-approve"]).ok();
    assert!(f.objects().is_empty());
}
