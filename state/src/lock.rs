//! Who holds a stack's lock: what the lock object records, and whether its holder is gone.

use serde::{Deserialize, Serialize};

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
            version: crate::version::TETHER_VERSION.to_string(),
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
