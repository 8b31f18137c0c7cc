//! `tether fmt`: rewrites files canonically, `--check` reports without writing.

use std::process::Command;

fn tether(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tether")).arg("--stack").arg(dir).args(args).env("NO_COLOR", "1").output().unwrap()
}

const MESSY: &str = "resource \"mock_network\"   \"main\"{\ncidr_block=\"10.0.0.0/16\" # the VPC\n    name = \"hybrid\"\n\n\n\n  tags = {\n  a = \"b\"\n  }\n}\n";
const CANONICAL: &str = "resource \"mock_network\" \"main\" {\n  cidr_block = \"10.0.0.0/16\" # the VPC\n  name       = \"hybrid\"\n\n  tags = {\n    a = \"b\"\n  }\n}\n";

#[test]
fn check_reports_without_writing_and_fmt_rewrites() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.hcl");
    std::fs::write(&file, MESSY).unwrap();

    let out = tether(dir.path(), &["fmt", "--check", "--diff"]);
    assert_eq!(out.status.code(), Some(1), "--check exits 1 when a file needs formatting");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("main.hcl"), "{stdout}");
    assert!(stdout.contains("+  name       = \"hybrid\""), "the diff shows the aligned line: {stdout}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY, "--check never writes");

    let out = tether(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CANONICAL);

    let out = tether(dir.path(), &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(0), "formatted files pass --check");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_syntax_error_is_reported_with_its_line_and_the_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.hcl");
    let broken = "resource \"mock_network\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  name = \n}\n";
    std::fs::write(&file, broken).unwrap();
    let out = tether(dir.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("main.hcl:"), "{stderr}");
    assert!(stderr.contains("parse::syntax"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

#[test]
fn the_example_stacks_are_formatted() {
    let stacks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/quickstart");
    let out = tether(&stacks, &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}
