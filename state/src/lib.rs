//! tether state: what tether knows about the objects it manages, how it is stored, and the lock
//! that keeps to one writer per stack. This crate knows nothing about HCL, AWS or the engine.
//!
//! # The file
//! One JSON document ([`StateFile`], pretty-printed, resources sorted by address for stable diffs;
//! see `docs/state-format.md`):
//! - `version`: the format version ([`FORMAT_VERSION`]); a file from a newer tether is refused,
//!   never guessed at.
//! - `lineage`: a uuid made when the state is created ([`StateFile::new`]).
//! - `serial`: a counter the engine bumps with every write that changes the state.
//! - `tether_version`: the tether that wrote the file.
//! - `resources`: one [`ResourceState`] per object (plus, during a create_before_destroy
//!   replacement, the old object marked `deposed`), with its attributes, the paths of its
//!   sensitive attributes and its dependencies.
//! - `outputs`: the root outputs ([`OutputState`]).
//! - `journal`: [`JournalEntry`] intents, written before a cloud call and removed once its outcome
//!   is recorded, so a run after a crash knows what may exist in the cloud without being in state.
//!
//! # Invariants
//! - Written atomically with a backup: the previous state is kept as `<path>.backup`, then the
//!   new state goes to a temporary file in the same directory, is fsynced, is renamed over the
//!   state file and the directory is fsynced (`tether_fs::write_atomic`, for both files). A crash
//!   leaves the old or the new state, never a torn file.
//! - The lineage never changes and the serial only grows: [`Backend::write`] refuses a state of
//!   another lineage ([`StateError::LineageMismatch`]) or with a lower serial than the stored one
//!   ([`StateError::SerialRegression`]), and leaves the stored state untouched.
//! - One writer at a time: [`Backend::lock`] takes a per-stack lock (`<path>.lock`, made with
//!   O_EXCL) recording who, what operation, since when and the lock ID; a second taker fails
//!   fast with [`StateError::Locked`] naming the holder. [`Backend::force_unlock`] clears a stuck
//!   lock given its ID.
//! - Parsing never panics: bad input gets an error naming the file, where it broke (line and
//!   column) and how to fix it. Messages never quote attribute or output values.

// `StateError::Locked(LockInfo)` carries the holder inline so callers can match on it and show
// it; that makes the error ~180 bytes. Every path returning it is file I/O, so the size costs
// nothing measurable, and boxing would change the variant shape callers match on.
#![allow(clippy::result_large_err)]

mod backend;
pub mod edit;
mod error;
mod local;
mod lock;
mod model;
mod version;

pub use backend::{Backend, LockGuard};
pub use edit::EditError;
pub use error::StateError;
pub use local::LocalBackend;
pub use lock::LockInfo;
pub use model::{JournalEntry, Operation, OutputState, ResourceState, StateFile, FORMAT_VERSION, TETHER_VERSION};

#[cfg(test)]
mod tests;
