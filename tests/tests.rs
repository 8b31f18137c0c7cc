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
