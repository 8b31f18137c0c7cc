//! The tether engine: the stack language, evaluation, dependency graph, diff, plan and the
//! apply walk. It knows no cloud: it talks to providers through `tether_sdk::Provider`.

pub mod config;
pub mod diag;
pub mod eval;
