//! Errors of this crate. Every message names the file it is about and says how to fix it.
//! No message ever quotes resource attributes or output values (they may hold secrets).

use std::path::PathBuf;

use crate::lock::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file is not valid JSON (typically truncated by a crash or a full disk).
    #[error(
        "state file {} is not valid JSON at line {line}, column {column} ({detail}); the file is corrupt or truncated; restore it from {}.backup, or fix it by hand",
        path.display(),
        path.display()
    )]
    Corrupt { path: PathBuf, line: usize, column: usize, detail: String },

    /// The file was written by a newer tether.
    #[error(
        "state file {}: state format version {found} is newer than this tether supports ({}); upgrade tether",
        path.display(),
        crate::version::FORMAT_VERSION
    )]
    UnsupportedVersion { path: PathBuf, found: u64 },

    /// Valid JSON, but not a valid tether state (wrong shape, empty lineage, duplicates...).
    #[error("state file {} is invalid: {message}", path.display())]
    Invalid { path: PathBuf, message: String },

    /// The state being written belongs to another lineage than the one on disk.
    #[error(
        "refusing to write {}: the state there has lineage {on_disk}, but the state being written has lineage {writing}; a state's lineage never changes, so this is state from a different stack (check --stack and the state path)",
        path.display()
    )]
    LineageMismatch { path: PathBuf, on_disk: String, writing: String },

    /// The state being written is older than the one on disk.
    #[error(
        "refusing to write {}: its serial is {on_disk}, but the state being written has serial {writing}; another run has written newer state since this one read it; re-run to start from the latest state",
        path.display()
    )]
    SerialRegression { path: PathBuf, on_disk: u64, writing: u64 },

    /// Someone else holds the lock.
    #[error(
        "state is locked by {} (operation {}, since {}, lock ID {}){}",
        .0.who, .0.operation, .0.created, .0.id, .0.advice()
    )]
    Locked(LockInfo),

    /// force-unlock when there is no lock.
    #[error("state {} is not locked; there is nothing to unlock", path.display())]
    NotLocked { path: PathBuf },

    /// force-unlock with an ID that is not the current lock's.
    #[error(
        "lock ID {given} does not match the lock on {}, which is held by {} (operation {}, since {}) with lock ID {}; if that process is gone run `tether force-unlock {}`",
        path.display(), held.who, held.operation, held.created, held.id, held.id
    )]
    LockIdMismatch { path: PathBuf, given: String, held: LockInfo },

    /// The lock file exists but cannot be read as a lock.
    #[error(
        "lock file {} is corrupt ({detail}); if no tether run is in progress for this stack, delete {} (or run `tether force-unlock` with the lock ID if you can read it there) and retry",
        path.display(),
        path.display()
    )]
    CorruptLock { path: PathBuf, detail: String },

    /// Our lock was removed or replaced while we held it (someone ran force-unlock).
    #[error(
        "the lock on {} was lost while this run held it ({detail}); another run may have changed the state meanwhile: run plan again before the next apply",
        path.display()
    )]
    LockLost { path: PathBuf, detail: String },

    /// Serializing the state failed (should not happen for well-formed values).
    #[error("could not serialize the state: {0}")]
    Serialize(#[source] serde_json::Error),
}

impl StateError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StateError::Io { action, path: path.into(), source }
    }
}
