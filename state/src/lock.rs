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
    /// The holder's boot (Linux `/proc/sys/kernel/random/boot_id`): a lock from before the
    /// machine last started is held by no one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// When the holder process started (clock ticks after boot, from `/proc/PID/stat`), so a
    /// later process that was given the same pid is not mistaken for the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_start: Option<u64>,
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
            boot_id: boot_id(),
            pid_start: process_start(std::process::id()),
        }
    }

    /// True when the lock was taken on this machine by a process that provably no longer runs
    /// (a killed or crashed run): the machine has restarted since, no process has its pid, or
    /// the process with its pid started at another time. Only answerable where /proc exists;
    /// false when unsure, and always false for a lock taken on another machine.
    pub fn holder_gone(&self) -> bool {
        let same_host = self.who.rsplit_once('@').is_some_and(|(_, h)| h == host_name());
        if !same_host || !std::path::Path::new("/proc/self").exists() {
            return false;
        }
        if let (Some(then), Some(now)) = (&self.boot_id, boot_id()) {
            if *then != now {
                return true;
            }
        }
        match process_start(self.pid) {
            None => !std::path::Path::new("/proc").join(self.pid.to_string()).exists(),
            Some(started) => self.pid_start.is_some_and(|then| then != started),
        }
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

/// This boot's id, where Linux tells it.
fn boot_id() -> Option<String> {
    non_empty(std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok())
}

/// When process `pid` started, in clock ticks after boot (field 22 of `/proc/PID/stat`).
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}
