//! End-to-end tests of `tether drift` (and `apply --refresh-only`) with the mock provider:
//! read-only detection per resource and attribute, deletions, tagged objects missing from
//! state, ignore_changes, exit codes, the three report formats, and recording under the lock.

use crate::common::{self, assert_contains, assert_not_contains, Fixture};

const STACK: &str = r#"
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
  tags = {
    team = "net"
  }
}

resource "mock_server" "gone" {
  name = "gone"
}

resource "mock_server" "forgotten" {
  name = "forgotten"
}
"#;

/// Applies STACK, then changes the cloud behind tether's back: an ignored attribute, a watched
/// attribute and a tag, a deleted object, and an object dropped from state but still tagged.
fn drifted() -> Fixture {
    let f = Fixture::new(STACK);
    f.apply();
    let cloud = f.cloud();
    let id = |a: &str| f.object_at(a).unwrap().id;
    cloud.set_attribute(&id("mock_server.kept"), "size", "large".into());
    cloud.set_attribute(&id("mock_server.watched"), "size", "large".into());
    cloud.set_attribute(&id("mock_server.watched"), "tags", serde_json::json!({"team": "ops"}));
    cloud.delete_object(&id("mock_server.gone"));
    f.run(&["state", "rm", "mock_server.forgotten"]).ok();
    f.clear_calls();
    f
}

#[test]
fn drift_reports_changes_deletions_and_unmanaged_objects_read_only() {
    let f = drifted();
    let state_before = f.state_text();

    let run = f.run(&["drift"]).expect(2);
    let out = &run.stdout;
    assert_contains(out, "# mock_server.watched was changed outside tether");
    assert_contains(out, r#"~ size      = "small" -> "large""#);
    assert_contains(out, r#"~ tags.team = "net" -> "ops""#);
    assert_contains(out, "# mock_server.gone was deleted outside tether");
    assert_contains(out, "(tagged as mock_server.forgotten)");
    assert_contains(out, "Drift: 1 changed, 1 deleted, 1 not in state (3 checked).");
    assert_not_contains(out, "mock_server.kept");

    // Read-only: one batched read and the ownership listing; no state write.
    let calls = f.call_log();
    assert!(calls.iter().all(|c| c.starts_with("read ") || c.starts_with("list_owned")), "{calls:?}");
    assert_eq!(f.state_text(), state_before, "drift never writes state");

    let json: serde_json::Value =
        serde_json::from_str(&f.run(&["drift", "--format", "json"]).expect(2).stdout).unwrap();
    assert_eq!(json["drifted"], true);
    assert_eq!(json["summary"], serde_json::json!({"checked": 3, "changed": 1, "deleted": 1, "unmanaged": 1}));
    let watched =
        &json["resources"].as_array().unwrap().iter().find(|r| r["address"] == "mock_server.watched").unwrap();
    assert_eq!(watched["status"], "changed");
    let paths: Vec<&str> =
        watched["attributes"].as_array().unwrap().iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["size", "tags.team"]);
    assert_eq!(json["unmanaged"][0]["address"], "mock_server.forgotten");

    let md = f.run(&["drift", "--format", "markdown"]).expect(2).stdout;
    assert_contains(&md, "**1 changed, 1 deleted, 1 not in state** (3 checked).");
    assert_contains(&md, "| `mock_server.watched` | changed | `tags.team` | `\"net\"` | `\"ops\"` |");
    assert_contains(&md, "| `mock_server.gone` | deleted | | | |");
}

#[test]
fn accepting_drift_records_reality_under_the_lock_and_then_there_is_none() {
    let f = drifted();
    // Without a terminal, accepting needs --auto-approve; nothing is written.
    let serial = f.state_or_panic().serial;
    let refused = f.run(&["drift", "--accept"]).expect(1);
    assert_contains(&refused.stderr, "drift::not-approved");
    assert_eq!(f.state_or_panic().serial, serial);

    let run = f.run(&["drift", "--accept", "--auto-approve"]).ok();
    assert_contains(&run.stdout, "Recorded in state: 1 updated, 1 removed (deleted outside tether).");
    let state = f.state_or_panic();
    assert_eq!(state.serial, serial + 1);
    let watched = state.resource(&common::addr("mock_server.watched")).unwrap();
    assert_eq!(watched.attributes["size"], "large");
    assert_eq!(watched.attributes["tags"]["team"], "ops");
    assert!(state.resource(&common::addr("mock_server.gone")).is_none());
    assert!(!f.lock_path().exists(), "the lock is released");
    let creates = f.call_log().into_iter().filter(|c| !c.starts_with("read ") && !c.starts_with("list_owned")).count();
    assert_eq!(creates, 0, "accepting changes nothing in the cloud");

    // Only the object missing from state remains; it needs an import, so drift still says so.
    let again = f.run(&["drift"]).expect(2);
    assert_contains(&again.stdout, "Drift: 0 changed, 0 deleted, 1 not in state (2 checked).");
    f.run(&[
        "import",
        "mock_server.forgotten",
        &f.objects().iter().find(|o| o.attributes["name"] == "forgotten").unwrap().id,
    ])
    .ok();
    let clean = f.run(&["drift"]).expect(0);
    assert_contains(&clean.stdout, "No drift: the 3 resources in state match the real objects.");
}

#[test]
fn apply_refresh_only_is_drift_accept() {
    let f = drifted();
    let run = f.run(&["apply", "--refresh-only", "--auto-approve"]).ok();
    assert_contains(&run.stdout, "# mock_server.watched was changed outside tether");
    assert_contains(&run.stdout, "Recorded in state: 1 updated, 1 removed");
    assert_eq!(f.state_or_panic().resource(&common::addr("mock_server.watched")).unwrap().attributes["size"], "large");
    // The stack still says small: a plan now proposes to put it back.
    let plan = f.run(&["plan", "--detailed-exitcode"]).expect(2);
    assert_contains(&plan.stdout, "# mock_server.watched will be updated in-place");
}

#[test]
fn drift_without_state_is_no_drift() {
    let f = Fixture::new(STACK);
    let run = f.run(&["drift"]).expect(0);
    assert_contains(&run.stdout, "No state");
    assert!(f.calls().is_empty(), "no provider call: {:?}", f.call_log());
}

#[test]
fn drift_reports_snapshots() {
    let f = drifted();
    let state = f.state_or_panic();
    // The mock cloud numbers objects in the order they were created, and the four servers are
    // created in parallel: name each ID by its resource so the snapshots do not depend on it.
    let mut ids: Vec<(String, String)> =
        state.resources.iter().map(|r| (r.id.clone(), r.address.to_string())).collect();
    ids.extend(f.objects().into_iter().filter_map(|o| Some((o.id.clone(), common::tag_address(&o)?.to_string()))));
    let redact = |text: String| {
        ids.iter().fold(text.replace(&state.lineage, "[lineage]"), |t, (id, address)| {
            t.replace(&format!("\"{id}\""), &format!("\"[id of {address}]\""))
                .replace(&format!("`{id}`"), &format!("`[id of {address}]`"))
        })
    };
    let json = f.run(&["drift", "--format", "json"]).expect(2).stdout;
    insta::assert_snapshot!("drift_json", redact(json));
    let md = f.run(&["drift", "--format", "markdown"]).expect(2).stdout;
    insta::assert_snapshot!("drift_markdown", redact(md));
}
