//! The versions written into every state file.

/// The state file format version this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The version of tether recorded in state files written by this build.
pub const TETHER_VERSION: &str = env!("CARGO_PKG_VERSION");
