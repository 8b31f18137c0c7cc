//! The tether engine: the stack language, evaluation, dependency graph, diff, plan and the
//! apply walk. It knows no cloud: it talks to providers through `tether_sdk::Provider`.

pub use tether_addrs as addrs;
pub mod apply;
pub mod config;
pub mod diag;
pub mod drift;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod import;
mod lexer;
pub mod plan;
pub mod registry;
pub mod scope;
pub mod stack;
