//! One module per command, each a thin wrapper: flags in, engine and state calls, text from
//! `tether_render` out, and an exit code. What they share is in `crate::session`.

pub mod apply;
pub mod cost;
pub mod drift;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod output;
pub mod plan;
pub mod show;
pub mod state;
pub mod validate;
