//! The local backend: a JSON file (by default `<stack>/.tether/state.json`), its previous version
//! in `<path>.backup`, and a lock file `<path>.lock`.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::backend::{Backend, LockGuard};
use crate::error::StateError;
use crate::lock::LockInfo;
use crate::model::{backup_path, StateFile};

/// How often a waiting `lock` tries again.
const LOCK_RETRY: Duration = Duration::from_millis(200);

/// State in a local file.
#[derive(Clone, Debug)]
pub struct LocalBackend {
    path: PathBuf,
}

impl LocalBackend {
    /// `path` is the state file; its directory is created on the first write or lock.
    pub fn new(path: PathBuf) -> LocalBackend {
        LocalBackend { path }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<path>.backup`: the state as it was before the last write.
    pub fn backup_path(&self) -> PathBuf {
        backup_path(&self.path)
    }

    /// `<path>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        with_suffix(&self.path, ".lock")
    }

    fn dir(&self) -> PathBuf {
        tether_fs::parent_dir(&self.path)
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Reads the lock file: `None` if there is none.
fn read_lock(path: &Path) -> Result<Option<LockInfo>, StateError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StateError::io("read lock file", path, e)),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StateError::CorruptLock { path: path.to_path_buf(), detail: "the file is empty".to_string() });
    }
    serde_json::from_slice::<LockInfo>(&bytes)
        .map(Some)
        .map_err(|e| StateError::CorruptLock { path: path.to_path_buf(), detail: e.to_string() })
}

/// Like [`read_lock`], but gives a lock file that does not parse a moment to be finished: the
/// holder creates it first and writes it just after.
fn read_lock_settled(path: &Path) -> Result<Option<LockInfo>, StateError> {
    let mut tries = 0;
    loop {
        match read_lock(path) {
            Err(StateError::CorruptLock { .. }) if tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Replaces the lock file, which holds `abandoned` (a lock whose holder is provably gone), with
/// `ours`. Returns false when the lock file changed meanwhile (someone else took it): the
/// caller looks again. A `.takeover` file made with O_EXCL keeps two runs from replacing the
/// same abandoned lock, one of them the lock the other has just taken.
fn take_over(lock_path: &Path, abandoned: &LockInfo, ours: &[u8]) -> Result<bool, StateError> {
    let marker = with_suffix(lock_path, ".takeover");
    match tether_fs::write_new(&marker, ours, tether_fs::PUBLIC) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            // Another run is taking over now; or one died doing so, whose marker goes.
            if read_lock(&marker).ok().flatten().is_some_and(|m| m.holder_gone()) {
                let _ = fs::remove_file(&marker);
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
            return Ok(false);
        }
        Err(e) => return Err(StateError::io("create lock takeover file", &marker, e)),
    }
    let replaced = (|| {
        match read_lock(lock_path)? {
            Some(held) if held.id == abandoned.id => {}
            _ => return Ok(false),
        }
        tether_fs::write_atomic(lock_path, ours, tether_fs::PUBLIC)
            .map_err(|e| StateError::io("replace lock file", lock_path, e))?;
        Ok(true)
    })();
    let _ = fs::remove_file(&marker);
    replaced
}

fn release_lock(lock_path: &Path, ours: &LockInfo) -> Result<(), StateError> {
    match read_lock(lock_path)? {
        Some(held) if held.id == ours.id => match fs::remove_file(lock_path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(StateError::LockLost {
                path: lock_path.to_path_buf(),
                detail: "the lock file was removed, probably by force-unlock".to_string(),
            }),
            Err(e) => Err(StateError::io("remove lock file", lock_path, e)),
        },
        Some(held) => Err(StateError::LockLost {
            path: lock_path.to_path_buf(),
            detail: format!(
                "the lock file now holds lock ID {} by {} (operation {})",
                held.id, held.who, held.operation
            ),
        }),
        None => Err(StateError::LockLost {
            path: lock_path.to_path_buf(),
            detail: "the lock file was removed, probably by force-unlock".to_string(),
        }),
    }
}

impl Backend for LocalBackend {
    fn read(&self) -> Result<Option<StateFile>, StateError> {
        match fs::read(&self.path) {
            Ok(bytes) => StateFile::parse(&bytes, &self.path).map(Some),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read state file", &self.path, e)),
        }
    }

    fn write(&self, state: &StateFile) -> Result<(), StateError> {
        state.check().map_err(|m| StateError::Invalid {
            path: self.path.clone(),
            message: format!("refusing to write it: {m}"),
        })?;

        // The safety net: what is on disk must be readable, of the same lineage, not newer.
        let old = match fs::read(&self.path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io("read state file", &self.path, e)),
        };
        if let Some(bytes) = &old {
            let on_disk = StateFile::parse(bytes, &self.path)?;
            if on_disk.lineage != state.lineage {
                return Err(StateError::LineageMismatch {
                    path: self.path.clone(),
                    on_disk: on_disk.lineage,
                    writing: state.lineage.clone(),
                });
            }
            if state.serial < on_disk.serial {
                return Err(StateError::SerialRegression {
                    path: self.path.clone(),
                    on_disk: on_disk.serial,
                    writing: state.serial,
                });
            }
        }

        let text = state.to_json()?;
        // The previous state (exactly the bytes just checked) becomes the backup, then the new
        // state replaces it. Each step is atomic: readers see the old or the new file, never a
        // mix, and a failure leaves the state file as it was.
        if let Some(bytes) = &old {
            let backup = self.backup_path();
            tether_fs::write_atomic(&backup, bytes, tether_fs::PRIVATE)
                .map_err(|e| StateError::io("write backup file", &backup, e))?;
        }
        tether_fs::write_atomic(&self.path, text.as_bytes(), tether_fs::PRIVATE)
            .map_err(|e| StateError::io("write state file", &self.path, e))
    }

    fn lock(&self, info: LockInfo, timeout: Duration) -> Result<LockGuard, StateError> {
        let lock_path = self.lock_path();
        let dir = self.dir();
        // A directory made only to hold the lock is removed again on release if still empty,
        // so locking a stack that was never applied leaves nothing behind.
        let made_dir = if dir.exists() {
            None
        } else {
            fs::create_dir_all(&dir).map_err(|e| StateError::io("create directory", &dir, e))?;
            Some(dir.clone())
        };
        let mut body = serde_json::to_vec_pretty(&info).map_err(StateError::Serialize)?;
        body.push(b'\n');

        let start = Instant::now();
        let mut dir_retries = 0;
        let guard = |info: LockInfo, lock_path: PathBuf, made_dir: Option<PathBuf>| {
            LockGuard::new(info, move |ours| {
                let result = release_lock(&lock_path, ours);
                if let Some(d) = made_dir {
                    let _ = fs::remove_dir(d); // fails, as it should, unless empty
                }
                result
            })
        };
        loop {
            match tether_fs::write_new(&lock_path, &body, tether_fs::PUBLIC) {
                Ok(()) => return Ok(guard(info, lock_path, made_dir)),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let busy = match read_lock_settled(&lock_path) {
                        // A run killed on this machine cannot release its lock: take it over.
                        Ok(Some(held)) if held.holder_gone() => {
                            if take_over(&lock_path, &held, &body)? {
                                return Ok(guard(info, lock_path, made_dir).taking_over(held));
                            }
                            continue;
                        }
                        Ok(Some(held)) => StateError::Locked(held),
                        Ok(None) => continue, // released just now: try again at once
                        Err(e) => e,
                    };
                    let waited = start.elapsed();
                    if waited >= timeout {
                        if let Some(d) = &made_dir {
                            let _ = fs::remove_dir(d);
                        }
                        return Err(busy);
                    }
                    std::thread::sleep(LOCK_RETRY.min(timeout - waited));
                }
                // Another run removed the directory it had made for its own lock.
                Err(e) if e.kind() == ErrorKind::NotFound && dir_retries < 10 => {
                    dir_retries += 1;
                    fs::create_dir_all(&dir).map_err(|e| StateError::io("create directory", &dir, e))?;
                }
                Err(e) => return Err(StateError::io("create lock file", &lock_path, e)),
            }
        }
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let lock_path = self.lock_path();
        match read_lock(&lock_path)? {
            None => Err(StateError::NotLocked { path: self.path.clone() }),
            Some(held) if held.id == id.trim() => match fs::remove_file(&lock_path) {
                Ok(()) => Ok(held),
                Err(e) if e.kind() == ErrorKind::NotFound => Err(StateError::NotLocked { path: self.path.clone() }),
                Err(e) => Err(StateError::io("remove lock file", &lock_path, e)),
            },
            Some(held) => Err(StateError::LockIdMismatch { path: lock_path, given: id.to_string(), held }),
        }
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}
