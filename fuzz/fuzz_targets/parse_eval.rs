//! Fuzz target: arbitrary bytes as one to three stack files, through loading, schema checks, the
//! graph, evaluation and a plan against the in-memory mock provider. Must never panic.
//!
//! Run with `cargo +nightly fuzz run parse_eval` from the repository root (see fuzz/README.md).

#![no_main]

#[path = "../parse_eval_body.rs"]
mod parse_eval_body;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    parse_eval_body::parse_eval(data);
});
