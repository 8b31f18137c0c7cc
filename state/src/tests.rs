use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::*;

/// A typed address, for tests that write addresses as text.
fn a(address: &str) -> tether_addrs::InstanceAddr {
    tether_addrs::InstanceAddr::parse(address).unwrap()
}

fn res(address: &str) -> ResourceState {
    ResourceState {
        address: a(address),
        mode: tether_addrs::Mode::Managed,
        type_name: address.split('.').next().unwrap_or("x").to_string(),
        provider: "mock".to_string(),
        id: format!("id-{address}"),
        attributes: json!({ "name": address, "password": "hunter2", "ip_address": [{ "ip": "10.0.0.1" }] }),
        sensitive_paths: vec!["password".to_string(), "ip_address[0].ip".to_string()],
        dependencies: vec![],
        create_before_destroy: false,
        deposed: false,
    }
}

fn sample() -> StateFile {
    let mut s = StateFile::new();
    s.upsert_resource(res("mock_server.web[0]"));
    s.upsert_resource(res("mock_network.main"));
    s.upsert_resource(res("x.y[\"k\"]"));
    s.outputs.insert("vpc_id".to_string(), OutputState { value: json!("vpc-123"), sensitive: false });
    s.journal_begin(JournalEntry::new(&a("mock_network.main"), "mock_network", Operation::Create, "tok-1"));
    s
}

fn setup() -> (tempfile::TempDir, LocalBackend) {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().join(".tether").join("state.json"));
    (dir, backend)
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

// ---- model ----

#[test]
fn new_state_has_fresh_lineage_and_serial_zero() {
    let a = StateFile::new();
    let b = StateFile::new();
    assert_eq!(a.version, FORMAT_VERSION);
    assert_eq!(a.serial, 0);
    assert!(uuid::Uuid::parse_str(&a.lineage).is_ok());
    assert_ne!(a.lineage, b.lineage);
    assert!(a.resources.is_empty() && a.outputs.is_empty() && a.journal.is_empty());
}

#[test]
fn upsert_replaces_by_address_and_deposed_and_keeps_sorted() {
    let mut s = sample();
    let addrs: Vec<_> = s.resources.iter().map(|r| r.address.to_string()).collect();
    assert_eq!(addrs, ["mock_network.main", "mock_server.web[0]", "x.y[\"k\"]"]);

    let mut changed = res("mock_network.main");
    changed.id = "new-id".to_string();
    s.upsert_resource(changed);
    assert_eq!(s.resources.len(), 3);
    assert_eq!(s.resource(&a("mock_network.main")).unwrap().id, "new-id");

    let mut old = res("mock_network.main");
    old.deposed = true;
    old.id = "old-id".to_string();
    s.upsert_resource(old);
    assert_eq!(s.resources.len(), 4);
    assert_eq!(s.resource(&a("mock_network.main")).unwrap().id, "new-id");
    assert_eq!(s.deposed_resource(&a("mock_network.main")).unwrap().id, "old-id");
    assert!(!s.resources[0].deposed && s.resources[1].deposed);

    assert_eq!(s.remove_resource(&a("mock_network.main")).unwrap().id, "new-id");
    assert!(s.resource(&a("mock_network.main")).is_none());
    assert_eq!(s.remove_deposed(&a("mock_network.main")).unwrap().id, "old-id");
    assert!(s.remove_resource(&a("mock_network.main")).is_none());
    assert_eq!(s.resources.len(), 2);
}

#[test]
fn journal_begin_and_end() {
    let mut s = StateFile::new();
    let e = JournalEntry::new(&a("a.b"), "a", Operation::Create, "tok");
    let id = e.id.clone();
    assert!(chrono::DateTime::parse_from_rfc3339(&e.started_at).is_ok());
    s.journal_begin(e);
    assert_eq!(s.journal.len(), 1);
    assert_eq!(s.journal_end(&id).unwrap().address, a("a.b"));
    assert!(s.journal.is_empty());
    assert!(s.journal_end(&id).is_none());
}

#[test]
fn to_json_sorts_resources_by_address() {
    let mut s = StateFile::new();
    s.resources.push(res("z.last"));
    s.resources.push(res("a.first"));
    let text = s.to_json().unwrap();
    assert!(text.find("a.first").unwrap() < text.find("z.last").unwrap());
    assert!(text.ends_with("}\n"));
    let back = StateFile::parse(text.as_bytes(), Path::new("s.json")).unwrap();
    assert_eq!(back.resources[0].address, a("a.first"));
}

#[test]
fn parse_round_trip() {
    let s = sample();
    let text = s.to_json().unwrap();
    assert_eq!(StateFile::parse(text.as_bytes(), Path::new("s.json")).unwrap(), s);
}

#[test]
fn parse_defaults_optional_fields() {
    let text = r#"{"version":1,"lineage":"l","serial":3,"tether_version":"0.1.0",
        "resources":[{"address":"data.a.b","mode":"data","type_name":"a","provider":"p","id":"i","attributes":{}}]}"#;
    let s = StateFile::parse(text.as_bytes(), Path::new("s.json")).unwrap();
    assert!(!s.resources[0].deposed && s.outputs.is_empty() && s.journal.is_empty());
}

#[test]
fn parse_newer_version_refused() {
    let text = r#"{"version":2,"lineage":"l","serial":3,"tether_version":"9.0.0","resources":[],"new_thing":{}}"#;
    let err = StateFile::parse(text.as_bytes(), Path::new("st/state.json")).unwrap_err();
    assert!(matches!(err, StateError::UnsupportedVersion { found: 2, .. }));
    assert_eq!(
        err.to_string(),
        "state file st/state.json: state format version 2 is newer than this tether supports (1); upgrade tether"
    );
}

#[test]
fn parse_rejects_bad_shapes_with_clear_messages() {
    let p = Path::new("s.json");
    let cases: &[(&str, &str)] = &[
        (r#"[]"#, "not a tether state file"),
        (r#"{"lineage":"l"}"#, "missing \"version\""),
        (r#"{"version":"1"}"#, "not a state format version"),
        (r#"{"version":0}"#, "not a state format version"),
        (r#"{"version":4,"terraform_version":"1.5.0"}"#, "Terraform state file"),
        (r#"{"version":1,"lineage":"","serial":0,"tether_version":"x","resources":[]}"#, "\"lineage\" is empty"),
        (r#"{"version":1,"lineage":"l","serial":-1,"tether_version":"x","resources":[]}"#, "line 1 column"),
        (r#"{"version":1,"lineage":"l","serial":0,"tether_version":"x"}"#, "missing field `resources`"),
        (
            r#"{"version":1,"lineage":"l","serial":0,"tether_version":"x","resources":[
              {"address":"a.b","mode":"managed","type_name":"a","provider":"p","id":"1","attributes":{}},
              {"address":"a.b","mode":"managed","type_name":"a","provider":"p","id":"2","attributes":{}}]}"#,
            "a.b appears more than once",
        ),
        (
            r#"{"version":1,"lineage":"l","serial":0,"tether_version":"x","resources":[
              {"address":"a.b","mode":"weird","type_name":"a","provider":"p","id":"1","attributes":{}}]}"#,
            "mode \"weird\"",
        ),
        (
            r#"{"version":1,"lineage":"l","serial":0,"tether_version":"x","resources":[
              {"address":"web","mode":"managed","type_name":"a","provider":"p","id":"1","attributes":{}}]}"#,
            "invalid resource address \"web\"",
        ),
        (
            r#"{"version":1,"lineage":"l","serial":0,"tether_version":"x","resources":[
              {"address":"a.b","mode":"data","type_name":"a","provider":"p","id":"1","attributes":{}}]}"#,
            "its address is of a managed resource",
        ),
        (
            r#"{"version":1,"lineage":"l","serial":0,"tether_version":"x","resources":[],"journal":[
              {"id":"j","address":"a.b","type_name":"a","operation":"explode","idempotency_token":"t","started_at":"x"}]}"#,
            "operation \"explode\"",
        ),
    ];
    for (text, want) in cases {
        let err = StateFile::parse(text.as_bytes(), p).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(want), "{text}: {msg}");
        assert!(msg.contains("s.json"), "{msg}");
    }
}

#[test]
fn parse_never_panics_on_any_prefix_or_garbage() {
    let text = sample().to_json().unwrap();
    let bytes = text.as_bytes();
    let p = Path::new("s.json");
    for cut in 0..bytes.len() {
        let r = StateFile::parse(&bytes[..cut], p);
        // Only a cut in the trailing newline still parses.
        assert_eq!(r.is_ok(), cut == bytes.len() - 1, "cut at {cut}");
    }
    let garbage: &[&[u8]] = &[
        b"",
        b"   \n",
        b"\xff\xfe\x00",
        b"null",
        b"1e999999",
        b"{\"version\":18446744073709551616}",
        b"{\"version\":1.5}",
        &[b'['; 100_000],
    ];
    for g in garbage {
        assert!(StateFile::parse(g, p).is_err());
    }
}

#[test]
fn errors_never_quote_attribute_values() {
    let mut s = sample();
    s.lineage = String::new();
    let text = s.to_json().unwrap();
    let msg = StateFile::parse(text.as_bytes(), Path::new("s.json")).unwrap_err().to_string();
    assert!(!msg.contains("hunter2"), "{msg}");
    let cut = &text.as_bytes()[..text.find("hunter2").unwrap() + 3];
    let msg = StateFile::parse(cut, Path::new("s.json")).unwrap_err().to_string();
    assert!(!msg.contains("hun"), "{msg}");
}

// ---- local backend: read and write ----

#[test]
fn read_without_state_is_none() {
    let (_d, b) = setup();
    assert_eq!(b.read().unwrap(), None);
    assert_eq!(b.describe(), b.path().display().to_string());
}

#[test]
fn write_read_round_trip_creates_parent_dirs() {
    let (_d, b) = setup();
    let s = sample();
    b.write(&s).unwrap();
    assert_eq!(b.read().unwrap(), Some(s.clone()));
    // The file is the pretty, sorted form.
    assert_eq!(fs::read_to_string(b.path()).unwrap(), s.to_json().unwrap());
}

#[cfg(unix)]
#[test]
fn state_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, b) = setup();
    let mut s = sample();
    b.write(&s).unwrap();
    s.serial += 1;
    b.write(&s).unwrap();
    for p in [b.path().to_path_buf(), b.backup_path()] {
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}

#[test]
fn write_keeps_backup_of_previous_version() {
    let (_d, b) = setup();
    let mut s = sample();
    b.write(&s).unwrap();
    assert!(!b.backup_path().exists());
    let first = fs::read(b.path()).unwrap();

    s.serial = 1;
    s.remove_resource(&a("mock_network.main"));
    b.write(&s).unwrap();
    assert_eq!(fs::read(b.backup_path()).unwrap(), first);
    let second = fs::read(b.path()).unwrap();

    s.serial = 2;
    b.write(&s).unwrap();
    assert_eq!(fs::read(b.backup_path()).unwrap(), second);
    assert_eq!(b.read().unwrap().unwrap().serial, 2);
}

#[test]
fn write_same_serial_is_allowed() {
    let (_d, b) = setup();
    let s = sample();
    b.write(&s).unwrap();
    b.write(&s).unwrap();
}

#[test]
fn serial_regression_refused_and_file_untouched() {
    let (_d, b) = setup();
    let mut s = sample();
    s.serial = 5;
    b.write(&s).unwrap();
    let before = fs::read(b.path()).unwrap();

    s.serial = 4;
    let err = b.write(&s).unwrap_err();
    assert!(matches!(err, StateError::SerialRegression { on_disk: 5, writing: 4, .. }), "{err}");
    assert!(err.to_string().contains(&b.describe()));
    assert_eq!(fs::read(b.path()).unwrap(), before);
    assert!(!b.backup_path().exists());
}

#[test]
fn lineage_change_refused_and_file_untouched() {
    let (_d, b) = setup();
    let s = sample();
    b.write(&s).unwrap();
    let before = fs::read(b.path()).unwrap();

    let mut other = s.clone();
    other.lineage = uuid::Uuid::new_v4().to_string();
    other.serial = 10;
    let err = b.write(&other).unwrap_err();
    assert!(matches!(err, StateError::LineageMismatch { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&s.lineage) && msg.contains(&other.lineage), "{msg}");
    assert_eq!(fs::read(b.path()).unwrap(), before);
}

#[test]
fn invalid_state_is_not_written() {
    let (_d, b) = setup();
    let mut s = sample();
    s.lineage = " ".to_string();
    assert!(matches!(b.write(&s), Err(StateError::Invalid { .. })));
    assert!(!b.path().exists());
}

#[test]
fn truncated_file_reports_line_and_column_and_is_left_unchanged() {
    let (_d, b) = setup();
    b.write(&sample()).unwrap();
    let full = fs::read(b.path()).unwrap();
    let half = full[..full.len() / 2].to_vec();
    fs::write(b.path(), &half).unwrap();

    let err = b.read().unwrap_err();
    let StateError::Corrupt { line, column, .. } = &err else {
        panic!("expected Corrupt, got {err:?}");
    };
    assert!(*line > 1 && *column > 0);
    let msg = err.to_string();
    let path = b.describe();
    assert!(msg.contains(&format!("line {line}, column {column}")), "{msg}");
    assert!(
        msg.contains(&format!("the file is corrupt or truncated; restore it from {path}.backup, or fix it by hand")),
        "{msg}"
    );
    assert_eq!(fs::read(b.path()).unwrap(), half);

    // A write on top of a corrupt file is refused too: the backup must stay a good one.
    let mut s = sample();
    s.serial = 9;
    assert!(matches!(b.write(&s), Err(StateError::Corrupt { .. })));
    assert_eq!(fs::read(b.path()).unwrap(), half);
}

#[test]
fn empty_file_is_reported_as_empty() {
    let (_d, b) = setup();
    fs::create_dir_all(b.path().parent().unwrap()).unwrap();
    fs::write(b.path(), "").unwrap();
    let msg = b.read().unwrap_err().to_string();
    assert!(msg.contains("the file is empty"), "{msg}");
}

#[test]
fn newer_version_on_disk_refused_for_read_and_write() {
    let (_d, b) = setup();
    let s = sample();
    b.write(&s).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(b.path()).unwrap()).unwrap();
    v["version"] = json!(7);
    let newer = serde_json::to_vec_pretty(&v).unwrap();
    fs::write(b.path(), &newer).unwrap();

    let err = b.read().unwrap_err();
    assert!(
        err.to_string().contains("state format version 7 is newer than this tether supports (1); upgrade tether"),
        "{err}"
    );
    assert!(matches!(b.write(&s), Err(StateError::UnsupportedVersion { found: 7, .. })));
    assert_eq!(fs::read(b.path()).unwrap(), newer);
}

#[test]
fn no_temp_files_left_after_write() {
    let (_d, b) = setup();
    let mut s = sample();
    for serial in 0..3 {
        s.serial = serial;
        b.write(&s).unwrap();
    }
    assert_eq!(names(b.path().parent().unwrap()), ["state.json", "state.json.backup"]);
    // Nor after a refused write.
    s.serial = 0;
    assert!(b.write(&s).is_err());
    assert_eq!(names(b.path().parent().unwrap()), ["state.json", "state.json.backup"]);
}

#[test]
fn write_into_existing_dir() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path().join("state.json"));
    b.write(&sample()).unwrap();
    assert!(b.read().unwrap().is_some());
}

// ---- local backend: locking ----

#[test]
fn lock_info_new_fills_everything() {
    let info = LockInfo::new("apply");
    assert!(uuid::Uuid::parse_str(&info.id).is_ok());
    assert_eq!(info.operation, "apply");
    assert!(info.who.contains('@'), "{}", info.who);
    assert!(chrono::DateTime::parse_from_rfc3339(&info.created).is_ok());
    assert_eq!(info.pid, std::process::id());
    assert!(!info.version.is_empty());
}

fn holder(op: &str) -> LockInfo {
    LockInfo { who: "alice@host".to_string(), ..LockInfo::new(op) }
}

#[test]
fn second_lock_fails_naming_holder_and_id() {
    let (_d, b) = setup();
    let first = holder("apply");
    let guard = b.lock(first.clone(), Duration::ZERO).unwrap();
    assert_eq!(guard.info(), &first);
    // The lock file holds the LockInfo as JSON.
    let on_disk: LockInfo = serde_json::from_slice(&fs::read(b.lock_path()).unwrap()).unwrap();
    assert_eq!(on_disk, first);

    let start = Instant::now();
    let err = b.lock(LockInfo::new("plan"), Duration::ZERO).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1), "must fail fast");
    assert!(matches!(&err, StateError::Locked(info) if info == &first));
    assert_eq!(
        err.to_string(),
        format!(
            "state is locked by alice@host (operation apply, since {}, lock ID {}); wait for it to finish, or if that process is gone run `tether force-unlock {}`",
            first.created, first.id, first.id
        )
    );
    drop(guard);
}

#[test]
fn lock_released_on_drop() {
    let (_d, b) = setup();
    let guard = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    assert!(b.lock_path().exists());
    drop(guard);
    assert!(!b.lock_path().exists());
    let again = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    again.release().unwrap();
    assert!(!b.lock_path().exists());
}

#[test]
fn lock_on_fresh_stack_leaves_nothing_behind() {
    let (d, b) = setup();
    b.lock(LockInfo::new("plan"), Duration::ZERO).unwrap().release().unwrap();
    assert!(names(d.path()).is_empty(), "{:?}", names(d.path()));
}

#[test]
fn lock_with_timeout_succeeds_once_first_guard_dropped_in_other_thread() {
    let (_d, b) = setup();
    let guard = b.lock(holder("apply"), Duration::ZERO).unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        drop(guard);
    });
    let start = Instant::now();
    let second = b.lock(LockInfo::new("apply"), Duration::from_secs(10)).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(400));
    t.join().unwrap();
    assert_eq!(second.info().operation, "apply");
}

#[test]
fn lock_with_timeout_gives_up_naming_holder() {
    let (_d, b) = setup();
    let first = holder("apply");
    let _guard = b.lock(first.clone(), Duration::ZERO).unwrap();
    let start = Instant::now();
    let err = b.lock(LockInfo::new("apply"), Duration::from_millis(500)).unwrap_err();
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(500) && waited < Duration::from_secs(3));
    assert!(matches!(err, StateError::Locked(info) if info == first));
}

#[test]
fn force_unlock_needs_the_right_id() {
    let (_d, b) = setup();
    let err = b.force_unlock("nope").unwrap_err();
    assert!(matches!(err, StateError::NotLocked { .. }), "{err}");

    let first = holder("apply");
    let guard = b.lock(first.clone(), Duration::ZERO).unwrap();
    let err = b.force_unlock("wrong-id").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("wrong-id") && msg.contains(&first.id), "{msg}");
    assert!(b.lock_path().exists());

    assert_eq!(b.force_unlock(&first.id).unwrap(), first);
    assert!(!b.lock_path().exists());

    // The old holder finds out, and does not remove someone else's new lock.
    let third = b.lock(LockInfo::new("plan"), Duration::ZERO).unwrap();
    assert!(matches!(guard.release(), Err(StateError::LockLost { .. })));
    assert!(b.lock_path().exists());
    third.release().unwrap();
}

#[test]
fn corrupt_lock_file_is_reported_not_panicked_on() {
    let (_d, b) = setup();
    fs::create_dir_all(b.path().parent().unwrap()).unwrap();
    for content in ["", "{\"id\": ", "not json at all", "{\"id\":\"x\"}"] {
        fs::write(b.lock_path(), content).unwrap();
        let err = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap_err();
        assert!(matches!(err, StateError::CorruptLock { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&b.lock_path().display().to_string()) && msg.contains("delete"), "{msg}");
        assert!(matches!(b.force_unlock("x"), Err(StateError::CorruptLock { .. })));
        assert_eq!(fs::read_to_string(b.lock_path()).unwrap(), content);
    }
}

#[test]
fn backend_is_object_safe_and_shareable() {
    let (_d, b) = setup();
    let shared: std::sync::Arc<dyn Backend> = std::sync::Arc::new(b);
    let s = sample();
    let writer = {
        let shared = shared.clone();
        let s = s.clone();
        std::thread::spawn(move || shared.write(&s))
    };
    writer.join().unwrap().unwrap();
    assert_eq!(shared.read().unwrap(), Some(s));
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<LockGuard>();
    is::<LocalBackend>();
    is::<StateError>();
}

#[test]
fn documented_examples_parse() {
    // Keeps docs/state-format.md true; skipped where the crate is built without the workspace.
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/state-format.md");
    let Ok(text) = fs::read_to_string(&doc) else {
        return;
    };
    let blocks: Vec<&str> =
        text.split("```json\n").skip(1).map(|b| b.split("```").next().unwrap_or_default()).collect();
    assert_eq!(blocks.len(), 2, "expected a state example and a lock example in {}", doc.display());
    let state = StateFile::parse(blocks[0].as_bytes(), &doc).unwrap();
    assert_eq!(state.resources.len(), 2);
    // The example lists resources in the order tether writes them (sorted by address).
    assert_eq!(state.to_json().unwrap(), {
        let mut v = serde_json::to_string_pretty(&state).unwrap();
        v.push('\n');
        v
    });
    let lock: LockInfo = serde_json::from_str(blocks[1]).unwrap();
    assert_eq!(lock.operation, "apply");
}

#[test]
fn a_lock_whose_holder_is_provably_gone_is_recognised() {
    let mut info = LockInfo::new("apply");
    assert!(!info.holder_gone(), "this process is alive");
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    // A pid that is in use, but by a process that started at another time than the holder.
    let mut reused = info.clone();
    reused.pid_start = reused.pid_start.map(|t| t + 1);
    assert!(reused.holder_gone(), "another process with the same pid is not the holder");
    // The machine restarted since the lock was taken.
    let mut rebooted = info.clone();
    rebooted.boot_id = Some("an-earlier-boot".into());
    assert!(rebooted.holder_gone());
    // A lock from another machine is never judged from here.
    let mut elsewhere = rebooted.clone();
    elsewhere.who = "ci@some-other-runner".into();
    assert!(!elsewhere.holder_gone());
    // A child that has exited and been reaped leaves its pid free.
    let mut child = std::process::Command::new("true").spawn().expect("spawn true");
    let pid = child.id();
    child.wait().unwrap();
    info.pid = pid;
    assert!(info.holder_gone());
    let msg = StateError::Locked(info.clone()).to_string();
    assert!(msg.contains("is no longer running"), "{msg}");
}

/// A lock file left by a run killed on this machine, as it wrote it.
fn abandoned_lock(backend: &LocalBackend) -> LockInfo {
    let mut child = std::process::Command::new("true").spawn().expect("spawn true");
    let mut info = LockInfo::new("apply");
    info.pid = child.id();
    info.pid_start = Some(1);
    child.wait().unwrap();
    fs::create_dir_all(backend.lock_path().parent().unwrap()).unwrap();
    fs::write(backend.lock_path(), serde_json::to_vec_pretty(&info).unwrap()).unwrap();
    info
}

#[test]
fn a_lock_abandoned_by_a_killed_run_is_taken_over_with_notice() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let (_dir, backend) = setup();
    let abandoned = abandoned_lock(&backend);
    let guard = backend.lock(LockInfo::new("apply"), Duration::ZERO).expect("taken over");
    assert_eq!(guard.taken_over().map(|l| l.id.as_str()), Some(abandoned.id.as_str()));
    let on_disk: LockInfo = serde_json::from_slice(&fs::read(backend.lock_path()).unwrap()).unwrap();
    assert_eq!(on_disk.id, guard.info().id, "the lock file is ours now");
    guard.release().unwrap();
    assert!(!backend.lock_path().exists());
    let names = names(backend.lock_path().parent().unwrap());
    assert!(names.iter().all(|n| !n.contains("takeover") && !n.contains(".tmp")), "{names:?}");
}

#[test]
fn two_runs_taking_over_the_same_abandoned_lock_end_with_one_holder() {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    for _ in 0..20 {
        let (_dir, backend) = setup();
        abandoned_lock(&backend);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let takers: Vec<_> = (0..2)
            .map(|_| {
                let (b, barrier) = (backend.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    b.lock(LockInfo::new("apply"), Duration::ZERO)
                })
            })
            .collect();
        let results: Vec<_> = takers.into_iter().map(|t| t.join().unwrap()).collect();
        let held: Vec<&LockGuard> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(held.len(), 1, "exactly one run holds the lock: {results:?}");
        let on_disk: LockInfo = serde_json::from_slice(&fs::read(backend.lock_path()).unwrap()).unwrap();
        assert_eq!(on_disk.id, held[0].info().id);
    }
}

// ---- edit ----

fn targets(list: &[&str]) -> Vec<tether_addrs::Target> {
    list.iter().map(|t| tether_addrs::Target::parse(t).unwrap()).collect()
}

fn addresses(s: &StateFile) -> Vec<String> {
    s.resources.iter().map(|r| format!("{}{}", r.address, if r.deposed { " (deposed)" } else { "" })).collect()
}

#[test]
fn remove_matching_removes_every_instance_a_target_names_and_returns_them() {
    let mut s = sample();
    s.upsert_resource(res("mock_server.web[1]"));
    let removed = s.remove_matching(&targets(&["mock_server.web", "x.y[\"k\"]"])).unwrap();
    let removed: Vec<String> = removed.iter().map(|r| r.address.to_string()).collect();
    assert_eq!(removed, ["mock_server.web[0]", "mock_server.web[1]", "x.y[\"k\"]"]);
    assert_eq!(addresses(&s), ["mock_network.main"]);
}

#[test]
fn remove_matching_takes_deposed_objects_too() {
    let mut s = sample();
    let mut old = res("mock_network.main");
    old.deposed = true;
    s.upsert_resource(old);
    let removed = s.remove_matching(&targets(&["mock_network.main"])).unwrap();
    assert_eq!(removed.len(), 2);
    assert!(s.resources.iter().all(|r| r.address.to_string() != "mock_network.main"));
}

#[test]
fn remove_matching_nothing_is_refused_and_changes_nothing() {
    let mut s = sample();
    let before = addresses(&s);
    let err = s.remove_matching(&targets(&["mock_server.db", "mock_server.web[7]"])).unwrap_err();
    assert_eq!(err, EditError::NotFound { address: "mock_server.db".to_string() });
    assert_eq!(err.to_string(), "no resource mock_server.db in state");
    assert_eq!(addresses(&s), before);
    assert_eq!(s.remove_matching(&[]).unwrap(), Vec::new());
}

#[test]
fn move_resource_renames_and_keeps_the_object() {
    let mut s = sample();
    s.move_resource(&a("mock_server.web[0]"), &a("mock_server.frontend[0]")).unwrap();
    assert_eq!(addresses(&s), ["mock_network.main", "mock_server.frontend[0]", "x.y[\"k\"]"]);
    assert_eq!(s.resource(&a("mock_server.frontend[0]")).unwrap().id, "id-mock_server.web[0]");
}

#[test]
fn move_resource_refuses_another_type_or_mode_before_anything_else() {
    let mut s = sample();
    let before = addresses(&s);
    let err = s.move_resource(&a("mock_server.web[0]"), &a("mock_network.main")).unwrap_err();
    assert!(matches!(err, EditError::TypeMismatch { .. }), "{err:?}");
    assert_eq!(err.to_string(), "cannot move mock_server.web[0] to mock_network.main: the resource types differ");
    let err = s.move_resource(&a("mock_server.web[0]"), &a("data.mock_server.web")).unwrap_err();
    assert!(matches!(err, EditError::TypeMismatch { .. }), "{err:?}");
    assert_eq!(edit::check_move(&a("mock_server.web[0]"), &a("mock_server.web")), Ok(()));
    assert_eq!(addresses(&s), before);
}

#[test]
fn move_resource_refuses_an_occupied_destination_and_a_missing_source() {
    let mut s = sample();
    s.upsert_resource(res("mock_server.db"));
    let before = addresses(&s);
    let err = s.move_resource(&a("mock_server.web[0]"), &a("mock_server.db")).unwrap_err();
    assert_eq!(err, EditError::DestinationExists { to: a("mock_server.db") });
    assert_eq!(err.to_string(), "cannot move to mock_server.db: state already has a resource there");
    let err = s.move_resource(&a("mock_server.gone"), &a("mock_server.new")).unwrap_err();
    assert_eq!(err, EditError::NotFound { address: "mock_server.gone".to_string() });
    assert_eq!(addresses(&s), before);
}
