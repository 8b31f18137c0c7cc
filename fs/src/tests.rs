use std::fs;
use std::path::Path;

use crate::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn write_atomic_creates_the_file_and_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a").join("b").join("state.json");
    write_atomic(&path, b"one", PRIVATE).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"one");
    assert_eq!(names(path.parent().unwrap()), ["state.json"], "no temporary file is left behind");
}

#[test]
fn write_atomic_replaces_the_target_and_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("plan.tfplan");
    fs::write(&path, "old content, longer than the new one").unwrap();
    write_atomic(&path, b"new", PUBLIC).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(names(tmp.path()), ["plan.tfplan"]);
}

#[test]
fn a_reader_sees_the_old_or_the_new_content_never_a_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("state.json");
    let old = "a".repeat(64 * 1024);
    let new = "b".repeat(64 * 1024);
    write_atomic(&path, old.as_bytes(), PRIVATE).unwrap();
    let reader = {
        let path = path.clone();
        std::thread::spawn(move || {
            for _ in 0..100 {
                let text = fs::read_to_string(&path).unwrap();
                assert!(
                    text.len() == 64 * 1024 && (text.bytes().all(|b| b == b'a') || text.bytes().all(|b| b == b'b'))
                );
            }
        })
    };
    for i in 0..20 {
        write_atomic(&path, if i % 2 == 0 { new.as_bytes() } else { old.as_bytes() }, PRIVATE).unwrap();
    }
    reader.join().unwrap();
    assert_eq!(names(tmp.path()), ["state.json"]);
}

#[cfg(unix)]
#[test]
fn modes_are_set_exactly_as_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret");
    write_atomic(&secret, b"s", PRIVATE).unwrap();
    assert_eq!(mode_of(&secret), 0o600);
    // Replacing a public file with a private one leaves it private, and the other way round.
    let public = tmp.path().join("public");
    fs::write(&public, "p").unwrap();
    write_atomic(&public, b"p", PRIVATE).unwrap();
    assert_eq!(mode_of(&public), 0o600);
    write_atomic(&public, b"p", PUBLIC).unwrap();
    assert_eq!(mode_of(&public), 0o644);
    // Bits a typical umask removes are still set.
    write_atomic(&public, b"p", 0o664).unwrap();
    assert_eq!(mode_of(&public), 0o664);
}

#[test]
fn a_failed_write_leaves_the_target_untouched_and_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    // The target is a directory: the rename fails after the temporary file was written.
    let target = tmp.path().join("taken");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside"), "kept").unwrap();
    assert!(write_atomic(&target, b"new", PRIVATE).is_err());
    assert!(target.is_dir());
    assert_eq!(fs::read_to_string(target.join("inside")).unwrap(), "kept");
    assert_eq!(names(tmp.path()), ["taken"]);
}

#[test]
fn write_atomic_refuses_a_path_naming_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let err = write_atomic(&tmp.path().join(".."), b"x", PRIVATE).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn write_new_refuses_an_existing_file_and_leaves_it_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("state.json.lock");
    write_new(&path, b"first", PUBLIC).unwrap();
    let err = write_new(&path, b"second", PUBLIC).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read_to_string(&path).unwrap(), "first");
}

#[test]
fn parent_dir_of_a_bare_name_is_the_current_directory() {
    assert_eq!(parent_dir(Path::new("plan.tfplan")), Path::new("."));
    assert_eq!(parent_dir(Path::new("out/plan.tfplan")), Path::new("out"));
}
