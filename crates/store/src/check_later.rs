//! Opening the catalog without making the window wait for its integrity
//! check: the check (`PRAGMA quick_check`, then the daily backup) runs on
//! its own read-only connection beside the window's start, and whoever
//! uses the catalog first waits for its answer ([`IntegrityCheck::wait`]).
//!
//! Measured (`cargo xtask bench app`, 10,000 listings): the check takes
//! about 80 ms, but made on the main thread before the window's first
//! page it delayed that page by about 600 ms (WebKit's start waits on
//! that thread). A damaged file found this way is refused to every use
//! and marked (`catalog.check-failed`); the next start checks first, as
//! [`open_or_recover`] does, and restores the latest backup.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags};

use crate::Store;
use crate::backup::daily_backup_if_due;
use crate::error::{Error, Result};
use crate::open::{check_integrity, open_unchecked};
use crate::recover::{Recovery, open_or_recover};

/// The answer of a check running beside the window.
#[derive(Debug)]
pub struct IntegrityCheck {
    thread: Mutex<Option<JoinHandle<std::result::Result<(), String>>>>,
    outcome: OnceLock<std::result::Result<(), String>>,
}

impl IntegrityCheck {
    /// A check already made (the catalog was opened after it).
    pub fn passed() -> IntegrityCheck {
        IntegrityCheck {
            thread: Mutex::new(None),
            outcome: OnceLock::from(Ok(())),
        }
    }

    fn start(path: &Path) -> IntegrityCheck {
        let path = path.to_owned();
        let thread = std::thread::Builder::new()
            .name("catalog-check".to_owned())
            .spawn(move || check(&path));
        match thread {
            Ok(thread) => IntegrityCheck {
                thread: Mutex::new(Some(thread)),
                outcome: OnceLock::new(),
            },
            // No thread to spare: nothing checked, as before this start.
            Err(e) => {
                tracing::warn!(error = %e, "catalog check not started");
                IntegrityCheck::passed()
            }
        }
    }

    /// The check's answer, if it has come (without waiting).
    pub fn outcome(&self) -> Option<Result<()>> {
        self.outcome.get().map(|o| {
            o.clone().map_err(|detail| Error::Corrupt {
                detail,
                backups: Vec::new(),
            })
        })
    }

    /// Waits for the check (at once once it has answered): `Ok` for a
    /// sound catalog, [`Error::Corrupt`] for a damaged one.
    pub fn wait(&self) -> Result<()> {
        let outcome = self.outcome.get_or_init(|| {
            let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
            thread.map_or(Ok(()), |t| {
                t.join()
                    .unwrap_or_else(|_| Err("the catalog check stopped".to_owned()))
            })
        });
        outcome.clone().map_err(|detail| Error::Corrupt {
            detail,
            backups: Vec::new(),
        })
    }
}

/// The file saying a check found `path` damaged.
fn marker(path: &Path) -> PathBuf {
    path.with_extension("check-failed")
}

/// [`open_or_recover`], with the check made beside the caller's start
/// (see the module's doc). Checked first, as `open_or_recover` does, when
/// a schema migration is due (a backup is taken before it, of a file known
/// sound), after a check found the file damaged, or if opening it
/// unchecked fails.
pub fn open_or_recover_checking_later(
    path: &Path,
) -> Result<(Store, Option<Recovery>, IntegrityCheck)> {
    let marker = marker(path);
    if !marker.exists() {
        match open_unchecked(path) {
            Ok(Some(store)) => return Ok((store, None, IntegrityCheck::start(path))),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "catalog did not open unchecked; checking it first")
            }
        }
    }
    let (store, recovery) = open_or_recover(path)?;
    remove_marker(&marker)?;
    Ok((store, recovery, IntegrityCheck::passed()))
}

fn remove_marker(marker: &Path) -> Result<()> {
    match std::fs::remove_file(marker) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// The check itself, on a connection of its own: `quick_check`, then the
/// daily backup (only of a file found sound). Only damage is an error: a
/// check that could not run leaves the catalog as usable as it was.
fn check(path: &Path) -> std::result::Result<(), String> {
    let started = std::time::Instant::now();
    let checked = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(Error::from)
        .and_then(|conn| check_integrity(&conn, &[]).map(|()| conn));
    match checked {
        Ok(conn) => {
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "catalog checked");
            if let Err(e) = daily_backup_if_due(&conn, path) {
                tracing::warn!(error = %e, "daily backup failed");
            }
            Ok(())
        }
        Err(Error::Corrupt { detail, .. }) => {
            tracing::error!(%detail, "the catalog is damaged; the next start restores its latest backup");
            if let Err(e) = std::fs::write(marker(path), format!("{detail}\n")) {
                tracing::error!(error = %e, "could not mark the catalog as damaged");
            }
            Err(detail)
        }
        Err(e) => {
            tracing::warn!(error = %e, "catalog check could not run");
            Ok(())
        }
    }
}
