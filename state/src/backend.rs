//! Where state lives and how one writer at a time is enforced.

use std::fmt;
use std::time::Duration;

use crate::error::StateError;
use crate::lock::LockInfo;
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

type Release = Box<dyn FnOnce(&LockInfo) -> Result<(), StateError> + Send + Sync>;

/// A held lock. Released when dropped (errors ignored) or by [`LockGuard::release`]
/// (errors reported).
pub struct LockGuard {
    info: LockInfo,
    release: Option<Release>,
    taken_over: Option<LockInfo>,
}

impl LockGuard {
    /// For backends: a guard that runs `release` once, on [`LockGuard::release`] or on drop.
    pub fn new(
        info: LockInfo,
        release: impl FnOnce(&LockInfo) -> Result<(), StateError> + Send + Sync + 'static,
    ) -> LockGuard {
        LockGuard { info, release: Some(Box::new(release)), taken_over: None }
    }

    /// For backends: records that this lock replaced `abandoned`, whose holder was gone.
    pub fn taking_over(mut self, abandoned: LockInfo) -> LockGuard {
        self.taken_over = Some(abandoned);
        self
    }

    /// The lock held.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The lock this one replaced because its holder provably no longer ran (a killed run on
    /// this machine), to tell the user about.
    pub fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
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
        f.debug_struct("LockGuard")
            .field("info", &self.info)
            .field("held", &self.release.is_some())
            .field("taken_over", &self.taken_over)
            .finish()
    }
}
