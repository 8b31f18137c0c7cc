//! End-to-end tests of the `tether` binary, in one test binary (`cargo test --test integration`).
//!
//! Every test here links the whole workspace, the AWS SDK crates included, so each extra test
//! binary would cost one more slow link and hundreds of megabytes of disk. Each area is a module
//! instead: add a test to the module of its area, or a new module below, never a new file that
//! cargo would build on its own (`autotests = false` in Cargo.toml).

mod common;

mod aws;
mod ci_examples;
mod cli_apply;
mod cli_cost;
mod cli_drift;
mod cli_dynamic;
mod cli_fmt;
mod cli_onprem;
mod cli_plan;
mod cli_sensitive;
mod cli_state;
mod cli_validate;
mod cli_vars;
mod corpus;
mod fuzz_smoke;
mod golden_examples;
mod invalid_network;
mod regressions;
mod render_snapshots;

/// With `autotests = false` cargo builds no file under tests/ on its own, so a test file without
/// a `mod` line above would silently never run.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let declared: Vec<&str> =
        include_str!("tests.rs").lines().filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';')).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/").flatten() {
        let path = entry.path();
        // A directory is a module when it has a mod.rs; the others hold data (corpora, snapshots).
        let module = if path.is_dir() {
            path.join("mod.rs").exists().then(|| entry.file_name().to_string_lossy().into_owned())
        } else if path.extension().is_some_and(|e| e == "rs") && entry.file_name() != "tests.rs" {
            path.file_stem().map(|s| s.to_string_lossy().into_owned())
        } else {
            None
        };
        if let Some(module) = module.filter(|m| !declared.contains(&m.as_str())) {
            missing.push(module);
        }
    }
    missing.sort();
    assert!(missing.is_empty(), "tests/tests.rs declares no module for {missing:?}; add `mod NAME;` for each");
}
