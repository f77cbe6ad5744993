//! One writer per catalog: the desktop app holds this lock for its whole
//! life; the `hanout` CLI takes it for write commands and refuses to write
//! while the app runs. Reads need no lock (SQLite WAL readers are safe).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::error::{Error, Result};

/// Held while alive; released on drop (and by the OS if the process dies).
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// Takes the writer lock of the catalog in `data_dir` without waiting.
pub fn lock_writer(data_dir: &Path) -> Result<WriterLock> {
    std::fs::create_dir_all(data_dir)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("catalog.lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(WriterLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(Error::Locked),
        Err(TryLockError::Error(e)) => Err(Error::Io(e)),
    }
}

/// Logs (debug) a use of the shared store that took long enough for the
/// window to feel it: `waited` for the connection, then `ran` holding it.
/// The app and the sync engine share one connection behind a mutex; this
/// says who held it.
pub fn log_slow_use(what: &str, waited: std::time::Duration, ran: std::time::Duration) {
    if waited + ran >= std::time::Duration::from_millis(20) {
        tracing::debug!(
            what,
            waited_ms = waited.as_millis() as u64,
            ran_ms = ran.as_millis() as u64,
            "store in use"
        );
    }
}
