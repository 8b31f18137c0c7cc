//! Where state lives and how one writer at a time is enforced.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::StateError;
use crate::model::StateFile;

/// A place state is kept (a local file by default; remote backends later).
pub trait Backend: Send + Sync {
    /// The stored state; `None` when there is no state yet.
    fn read(&self) -> Result<Option<StateFile>, StateError>;
    /// Stores `state` atomically: afterwards the backend holds either the old or the new state,
    /// never a mix. Refuses a different lineage or a lower serial than what is stored.
    fn write(&self, state: &StateFile) -> Result<(), StateError>;
    /// Takes the stack's lock. With a zero `timeout` fails at once with [`StateError::Locked`]
    /// if someone holds it; otherwise retries until `timeout` has passed.
    fn lock(&self, info: LockInfo, timeout: Duration) -> Result<LockGuard, StateError>;
    /// Removes the lock if its ID is `id`; returns what the lock said.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;
    /// Where the state is, for messages (e.g. the file path).
    fn describe(&self) -> String;
}

/// Who holds a lock, for what, since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// uuid; what `force-unlock` takes.
    pub id: String,
    /// `"apply"`, `"plan"`, `"destroy"`, ...
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// RFC 3339.
    pub created: String,
    pub pid: u32,
    /// tether version of the holder.
    pub version: String,
}

impl LockInfo {
    /// A lock for `operation` by this process, now, with a fresh id.
    pub fn new(operation: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{}@{}", user_name(), host_name()),
            created: chrono::Utc::now().to_rfc3339(),
            pid: std::process::id(),
            version: crate::model::TETHER_VERSION.to_string(),
        }
    }

    /// True when the lock was taken on this machine by a process that has since exited (a
    /// killed or crashed run). Only answerable where /proc exists; false when unsure.
    pub fn holder_gone(&self) -> bool {
        let same_host = self.who.rsplit_once('@').is_some_and(|(_, h)| h == host_name());
        let proc = std::path::Path::new("/proc");
        same_host && proc.join("self").exists() && !proc.join(self.pid.to_string()).exists()
    }

    /// What to do about a lock someone else holds.
    pub(crate) fn advice(&self) -> String {
        if self.holder_gone() {
            format!(
                "; the process that took it (pid {}) is no longer running, so it is safe to run `tether force-unlock {}`",
                self.pid, self.id
            )
        } else {
            format!("; wait for it to finish, or if that process is gone run `tether force-unlock {}`", self.id)
        }
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn user_name() -> String {
    non_empty(std::env::var("USER").ok())
        .or_else(|| non_empty(std::env::var("USERNAME").ok()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn host_name() -> String {
    non_empty(std::fs::read_to_string("/etc/hostname").ok())
        .or_else(|| non_empty(std::env::var("HOSTNAME").ok()))
        .or_else(|| non_empty(std::fs::read_to_string("/proc/sys/kernel/hostname").ok()))
        .or_else(|| non_empty(std::env::var("COMPUTERNAME").ok()))
        .unwrap_or_else(|| "unknown".to_string())
}

type Release = Box<dyn FnOnce(&LockInfo) -> Result<(), StateError> + Send + Sync>;

/// A held lock. Released when dropped (errors ignored) or by [`LockGuard::release`]
/// (errors reported).
pub struct LockGuard {
    info: LockInfo,
    release: Option<Release>,
}

impl LockGuard {
    /// For backends: a guard that runs `release` once, on [`LockGuard::release`] or on drop.
    pub fn new(
        info: LockInfo,
        release: impl FnOnce(&LockInfo) -> Result<(), StateError> + Send + Sync + 'static,
    ) -> LockGuard {
        LockGuard { info, release: Some(Box::new(release)) }
    }

    /// The lock held.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// Releases the lock now, reporting failure (e.g. [`StateError::LockLost`] if it was
    /// force-unlocked meanwhile).
    pub fn release(mut self) -> Result<(), StateError> {
        match self.release.take() {
            Some(f) => f(&self.info),
            None => Ok(()),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(f) = self.release.take() {
            let _ = f(&self.info);
        }
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").field("info", &self.info).field("held", &self.release.is_some()).finish()
    }
}
