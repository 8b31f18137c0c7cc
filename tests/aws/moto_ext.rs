//! scripts/moto_ext.py, the moto launcher the AWS tests use: the EKS access entry, SSM hybrid
//! activation and IAM Roles Anywhere APIs it adds to moto behave like AWS's
//! (scripts/moto_ext_check.py, with boto3).

use super::moto;

use moto::Moto;
use std::path::Path;
use std::process::Command;

#[test]
fn moto_ext_adds_access_entries_activations_and_roles_anywhere() {
    let moto = Moto::start();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("scripts/moto_ext_check.py"))
        .arg(&moto.endpoint)
        .output()
        .expect("run scripts/moto_ext_check.py");
    assert!(
        out.status.success(),
        "scripts/moto_ext_check.py failed\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
