//! Durable file writes, shared by everything in tether that writes a file people rely on: state
//! (with its backup and lock files), saved plans, formatted stack files and the on-prem
//! provider's rendered files.
//!
//! [`write_atomic`] replaces a file so that a crash at any moment leaves either the old or the
//! new content, never a torn file: the new content goes to a temporary file in the same
//! directory (a rename is atomic only within one file system), is fsynced, is renamed over the
//! target, and the directory is fsynced so the rename itself survives a power loss.
//! [`write_new`] creates a file that must not exist yet (a lock file).
//!
//! Modes are set exactly as asked, whatever the umask: a file holding secrets is created 0600
//! and is never readable by others, not even for a moment.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode for files that may hold secrets (state, saved plans, node credentials).
pub const PRIVATE: u32 = 0o600;
/// Mode for files anyone on the machine may read.
pub const PUBLIC: u32 = 0o644;

/// Distinguishes temporary files of concurrent writes in one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes` atomically, with permissions `mode` (Unix; ignored elsewhere).
/// Creates the directory if needed. On failure the target is untouched and no temporary file is
/// left behind.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = parent_dir(path);
    fs::create_dir_all(&dir)?;
    let tmp = temp_path(&dir, path)?;
    write_new(&tmp, bytes, mode)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir)
}

/// Creates `path`, which must not exist (fails with `AlreadyExists` otherwise), writes `bytes`
/// with permissions `mode` and fsyncs it. On failure nothing is left at `path`.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let mut f = opts.open(path)?;
    let written = exact_mode(&f, mode).and_then(|()| f.write_all(bytes)).and_then(|()| f.sync_all());
    if written.is_err() {
        drop(f);
        let _ = fs::remove_file(path);
    }
    written
}

/// Makes renames and creations in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, File::open);
        Ok(())
    }
}

/// The directory `path` is in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.<name>.tmp.<pid>.<n>` beside `path`: hidden, and unique across processes and threads.
fn temp_path(dir: &Path, path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy();
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(dir.join(format!(".{name}.tmp.{}.{n}", std::process::id())))
}

/// Sets exactly `mode`: the umask may have removed bits the caller asked for.
fn exact_mode(f: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (f, mode);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
