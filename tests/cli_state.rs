//! State: the file's invariants across applies, corrupt state, the state commands, import,
//! outputs, and the lock that keeps one writer at a time.

use std::time::{Duration, Instant};

use crate::common::{self, assert_contains, Fixture};
use tether_state::{Backend, LockInfo, StateFile};

const STACK: &str = r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = mock_network.main.id
}

output "network_id" {
  value = mock_network.main.id
}

output "ips" {
  value = [mock_server.web.private_ip]
}
"#;

fn parse(text: &str) -> StateFile {
    StateFile::parse(text.as_bytes(), std::path::Path::new("state.json")).expect("state parses")
}

#[test]
fn every_apply_keeps_the_lineage_grows_the_serial_and_keeps_a_backup() {
    let f = Fixture::new(STACK);
    f.apply();
    let first = f.state_or_panic();
    assert!(first.serial > 0);
    assert_eq!(first.resources.len(), 2);
    let backup_path = f.backend().backup_path();

    let mut previous = first.clone();
    for name in ["second", "third"] {
        f.write("main.hcl", &STACK.replace(r#"name       = "main""#, &format!(r#"name       = "{name}""#)));
        f.apply();
        let now = f.state_or_panic();
        assert_eq!(now.lineage, first.lineage, "lineage never changes");
        assert!(now.serial > previous.serial, "serial grows: {} then {}", previous.serial, now.serial);
        let backup = parse(&std::fs::read_to_string(&backup_path).expect("a backup"));
        assert_eq!(backup.lineage, first.lineage);
        assert!(backup.serial < now.serial && backup.serial >= previous.serial);
        previous = now;
    }

    // A command that writes once leaves exactly the state before it as the backup.
    let before = f.state_text();
    f.run(&["state", "rm", "mock_server.web"]).ok();
    assert_eq!(std::fs::read_to_string(&backup_path).unwrap(), before);
    assert_eq!(f.state_or_panic().serial, previous.serial + 1);

    // Plan never writes state.
    let before = f.state_text();
    f.run(&["plan"]).ok();
    assert_eq!(f.state_text(), before);
}

#[test]
fn a_truncated_state_file_is_a_clear_error_and_stays_untouched() {
    let f = Fixture::new(STACK);
    f.apply();
    let text = f.state_text();
    let truncated = &text.as_bytes()[..text.len() / 2];
    std::fs::write(f.state_path(), truncated).unwrap();
    let e = serde_json::from_slice::<serde_json::Value>(truncated).unwrap_err();
    let where_ = format!("line {}, column {}", e.line(), e.column());
    f.clear_calls();

    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["destroy", "--auto-approve"],
        &["state", "list"],
        &["state", "rm", "mock_server.web"],
        &["import", "mock_server.web", "srv-2"],
        &["output"],
        &["show"],
    ] {
        let run = f.run(args).expect(1);
        let message = common::flat(&run.stderr);
        assert_contains(&message, &format!(".tether/state.json is not valid JSON at {where_}"));
        assert_contains(&message, "restore it from ./.tether/state.json.backup");
        assert_eq!(std::fs::read(f.state_path()).unwrap(), truncated, "`{}` left the file as it was", args.join(" "));
        assert!(!f.lock_path().exists(), "`{}` released the lock", args.join(" "));
    }
    assert!(f.calls().is_empty(), "no provider call with a corrupt state: {:?}", f.call_log());
    assert_eq!(f.objects().len(), 2);
}

#[test]
fn state_list_and_show() {
    let f = Fixture::new(STACK);
    f.apply();
    let list = f.run(&["state", "list"]).ok();
    assert_eq!(list.stdout, "mock_network.main\nmock_server.web\n");
    let list = f.run(&["state", "list", "mock_server.web"]).ok();
    assert_eq!(list.stdout, "mock_server.web\n");

    let web = f.object_at("mock_server.web").unwrap();
    let show = f.run(&["state", "show", "mock_server.web"]).ok();
    let squashed = common::squash(&show.stdout);
    assert_contains(&squashed, "# mock_server.web:\nresource \"mock_server\" \"web\" {");
    assert_contains(&squashed, &format!("id = \"{}\"", web.id));
    assert_contains(&squashed, &format!("subnet_id = \"{}\"", f.object_at("mock_network.main").unwrap().id));

    let missing = f.run(&["state", "show", "mock_server.wbe"]).expect(1);
    assert_contains(&missing.stderr, "no resource mock_server.wbe in state");
    assert_contains(&missing.stderr, "did you mean mock_server.web?");
}

#[test]
fn state_rm_forgets_without_destroying() {
    let f = Fixture::new(STACK);
    f.apply();
    let web = f.object_at("mock_server.web").unwrap();
    f.clear_calls();
    let run = f.run(&["state", "rm", "mock_server.web"]).ok();
    assert_contains(&run.stdout, "Removed mock_server.web from state");
    assert!(f.calls().is_empty(), "state rm makes no provider call");
    assert!(f.cloud().object(&web.id).is_some(), "the object stays in the cloud");
    assert_eq!(f.state_addresses(), ["mock_network.main"]);

    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&plan.stdout, "# mock_server.web will be created");
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");

    let run = f.run(&["state", "rm", "mock_server.web"]).expect(1);
    assert_contains(&run.stderr, "no resource mock_server.web in state");
}

#[test]
fn state_mv_follows_a_rename_in_the_stack() {
    let f = Fixture::new(STACK);
    f.apply();
    let web = f.object_at("mock_server.web").unwrap();
    f.write(
        "main.hcl",
        &STACK.replace("\"web\" {", "\"frontend\" {").replace("mock_server.web", "mock_server.frontend"),
    );
    let plan = f.run(&["plan"]).ok();
    assert_contains(&plan.stdout, "# mock_server.web will be destroyed");
    assert_contains(&plan.stdout, "# mock_server.frontend will be created");

    let run = f.run(&["state", "mv", "mock_server.web", "mock_server.frontend"]).ok();
    assert_contains(&run.stdout, "Moved mock_server.web to mock_server.frontend.");
    assert_eq!(f.state_addresses(), ["mock_network.main", "mock_server.frontend"]);
    let plan = f.run(&["plan", "--detailed-exitcode"]).ok();
    assert_contains(&plan.stdout, "No changes.");
    assert_eq!(f.cloud().object(&web.id).unwrap().id, web.id);

    let run = f.run(&["state", "mv", "mock_server.frontend", "mock_network.frontend"]).expect(1);
    assert_contains(&run.stderr, "the resource types differ");
    let run = f.run(&["state", "mv", "mock_server.frontend", "mock_network.main"]).expect(1);
    assert_contains(&run.stderr, "the resource types differ");
}

#[test]
fn import_brings_an_object_under_management() {
    let f = Fixture::new(STACK);
    f.apply();
    let web = f.object_at("mock_server.web").unwrap();
    f.run(&["state", "rm", "mock_server.web"]).ok();

    // Imported as it is, the plan is empty.
    f.clear_calls();
    let run = f.run(&["import", "mock_server.web", &web.id]).ok();
    assert_contains(&run.stdout, &format!("Imported {} as mock_server.web.", web.id));
    assert_eq!(f.call_log(), ["import mock_server.web"]);
    assert_eq!(f.state_or_panic().resource(&common::addr("mock_server.web")).unwrap().id, web.id);
    f.run(&["plan", "--detailed-exitcode"]).ok();

    // Imported while the stack says something else, the plan shows just that difference.
    f.run(&["state", "rm", "mock_server.web"]).ok();
    f.write("main.hcl", &STACK.replace(r#"name      = "web""#, r#"name      = "web-2""#));
    f.run(&["import", "mock_server.web", &web.id]).ok();
    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&plan.stdout, "# mock_server.web will be updated in-place");
    assert_contains(&common::squash(&plan.stdout), r#"~ name = "web" -> "web-2""#);
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");

    // What cannot be imported says why.
    let run = f.run(&["import", "mock_server.web", &web.id]).expect(1);
    assert_contains(&run.stderr, "mock_server.web is already managed by this stack");
    let run = f.run(&["import", "mock_server.db", "srv-404"]).expect(1);
    assert_contains(&run.stderr, "mock_server.db is not declared in the stack");
    f.write("more.hcl", "resource \"mock_server\" \"db\" {\n  name = \"db\"\n}\n");
    let run = f.run(&["import", "mock_server.db", "srv-404"]).expect(1);
    assert_contains(&run.stderr, "no mock_server with id srv-404");
    assert!(f.state_or_panic().resource(&common::addr("mock_server.db")).is_none());
}

#[test]
fn outputs_are_shown_from_state() {
    let f = Fixture::new(STACK);
    let apply = f.apply();
    let net = f.object_at("mock_network.main").unwrap();
    let ip = f.object_at("mock_server.web").unwrap().attributes["private_ip"].as_str().unwrap().to_string();
    assert_contains(&apply.stdout, &format!("Outputs:\n\nips = [\"{ip}\"]\nnetwork_id = \"{}\"", net.id));

    let all = f.run(&["output"]).ok();
    assert_eq!(all.stdout, format!("ips = [\"{ip}\"]\nnetwork_id = \"{}\"\n", net.id));
    assert_eq!(f.run(&["output", "network_id"]).ok().stdout, format!("\"{}\"\n", net.id));
    assert_eq!(f.run(&["output", "-raw", "network_id"]).ok().stdout, format!("{}\n", net.id));
    let json = f.run(&["output", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "ips": {"sensitive": false, "value": [ip]},
            "network_id": {"sensitive": false, "value": net.id},
        })
    );
    let one = f.run(&["output", "--json", "ips"]).ok();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&one.stdout).unwrap(), serde_json::json!([ip]));
    let missing = f.run(&["output", "network"]).expect(1);
    assert_contains(&missing.stderr, "no output named \"network\"");
    assert_contains(&missing.stderr, "did you mean network_id?");
}

#[test]
fn a_held_lock_makes_a_second_apply_fail_at_once() {
    let f = Fixture::new(STACK);
    f.apply();
    let guard = f.backend().lock(LockInfo::new("apply"), Duration::ZERO).expect("take the lock");
    let holder = guard.info().clone();
    f.write("main.hcl", &STACK.replace(r#"name       = "main""#, r#"name       = "changed""#));
    f.clear_calls();

    let start = Instant::now();
    let run = f.run(&["apply", "--auto-approve"]).expect(1);
    assert!(start.elapsed() < Duration::from_secs(10), "fails fast, took {:?}", start.elapsed());
    let message = common::flat(&run.stderr);
    assert_contains(&message, &format!("state is locked by {} (operation apply, since {}", holder.who, holder.created));
    assert_contains(&message, &format!("lock ID {}", holder.id));
    assert_contains(&message, &format!("tether force-unlock {}", holder.id));
    for args in
        [&["destroy", "--auto-approve"][..], &["state", "rm", "mock_server.web"], &["import", "mock_server.web", "x"]]
    {
        let run = f.run(args).expect(1);
        assert_contains(&run.stderr, &holder.id);
    }
    assert!(f.calls().is_empty(), "nothing was called while locked: {:?}", f.call_log());
    assert_eq!(f.state_addresses().len(), 2);
    // The lock is still the holder's.
    let lock: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f.lock_path()).unwrap()).unwrap();
    assert_eq!(lock["id"], holder.id.as_str());

    // Plan reads without the lock.
    f.run(&["plan"]).ok();
    drop(guard);
    assert!(!f.lock_path().exists());
    f.apply();
}

#[test]
fn lock_timeout_waits_for_the_lock_to_be_released() {
    let f = Fixture::new(STACK);
    let guard = f.backend().lock(LockInfo::new("apply"), Duration::ZERO).expect("take the lock");
    let mut child = f.spawn(&["apply", "--auto-approve", "--lock-timeout", "20s"]);
    std::thread::sleep(Duration::from_millis(400));
    assert!(child.try_wait().expect("poll tether").is_none(), "apply waits for the lock");
    assert!(f.objects().is_empty(), "nothing happens while the lock is held");
    drop(guard);
    let run = common::wait_with_timeout(child, Duration::from_secs(30));
    assert_eq!(run.code, 0, "{run:?}");
    assert_contains(&run.stdout, "Apply complete! Resources: 2 added");
    assert_eq!(f.objects().len(), 2);
    assert!(!f.lock_path().exists());

    // A timeout that runs out is the same error as no wait at all.
    let _guard = f.backend().lock(LockInfo::new("apply"), Duration::ZERO).expect("take the lock");
    let run = f.run(&["apply", "--auto-approve", "-lock-timeout=300ms"]).expect(1);
    assert_contains(&run.stderr, "state is locked");
    let run = f.run(&["apply", "--auto-approve", "--lock-timeout", "soon"]).expect(1);
    assert_contains(&run.stderr, "invalid duration");
}

#[test]
fn force_unlock_removes_a_stuck_lock_given_its_id() {
    let f = Fixture::new(STACK);
    f.apply();
    // A lock whose holder is gone: taken and never released.
    let guard = f.backend().lock(LockInfo::new("apply"), Duration::ZERO).expect("take the lock");
    let stuck = guard.info().clone();
    std::mem::forget(guard);

    let wrong = f.run(&["force-unlock", "not-the-id"]).expect(1);
    assert_contains(&common::flat(&wrong.stderr), "lock ID not-the-id does not match");
    assert_contains(&common::flat(&wrong.stderr), &stuck.id);
    assert!(f.lock_path().exists(), "a wrong ID leaves the lock");

    let run = f.run(&["force-unlock", &stuck.id]).ok();
    assert_contains(&run.stdout, &format!("Released the lock {}", stuck.id));
    assert!(!f.lock_path().exists());
    let again = f.run(&["force-unlock", &stuck.id]).expect(1);
    assert_contains(&again.stderr, "is not locked");

    f.write("main.hcl", &STACK.replace(r#"name       = "main""#, r#"name       = "after-unlock""#));
    f.apply();
    assert_eq!(f.object_at("mock_network.main").unwrap().attributes["name"], "after-unlock");
}
