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
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use rusqlite::{Connection, OpenFlags};

use crate::Store;
use crate::backup::daily_backup_if_due;
use crate::error::{Error, Result};
use crate::open::{check_integrity, open_unchecked};
use crate::recover::{Recovery, open_or_recover};

/// The answer of a check running beside the window.
#[derive(Debug)]
pub struct IntegrityCheck {
    answer: Arc<Answer>,
}

/// Set once by the check's thread, as soon as the check is done (the
/// daily backup after it is nobody's wait).
#[derive(Debug, Default)]
struct Answer {
    outcome: OnceLock<std::result::Result<(), String>>,
    lock: Mutex<()>,
    said: Condvar,
}

impl Answer {
    fn say(&self, outcome: std::result::Result<(), String>) {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.outcome.set(outcome);
        self.said.notify_all();
    }
}

impl IntegrityCheck {
    /// A check already made (the catalog was opened after it).
    pub fn passed() -> IntegrityCheck {
        let answer = Answer::default();
        let _ = answer.outcome.set(Ok(()));
        IntegrityCheck {
            answer: Arc::new(answer),
        }
    }

    fn start(path: &Path) -> IntegrityCheck {
        let answer = Arc::new(Answer::default());
        let path = path.to_owned();
        let told = answer.clone();
        let thread = std::thread::Builder::new()
            .name("catalog-check".to_owned())
            .spawn(move || {
                // Whatever happens in it, the thread answers.
                let outcome = std::panic::catch_unwind(|| check(&path, &told))
                    .unwrap_or_else(|_| Err("the catalog check stopped".to_owned()));
                told.say(outcome);
            });
        if let Err(e) = thread {
            // No thread to spare: nothing checked, as before this start.
            tracing::warn!(error = %e, "catalog check not started");
            answer.say(Ok(()));
        }
        IntegrityCheck { answer }
    }

    /// The check's answer, if it has come (without waiting).
    pub fn outcome(&self) -> Option<Result<()>> {
        self.answer.outcome.get().map(corrupt)
    }

    /// Waits for the check (at once once it has answered): `Ok` for a
    /// sound catalog, [`Error::Corrupt`] for a damaged one.
    pub fn wait(&self) -> Result<()> {
        let mut guard = self.answer.lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(outcome) = self.answer.outcome.get() {
                return corrupt(outcome);
            }
            guard = self
                .answer
                .said
                .wait(guard)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn corrupt(outcome: &std::result::Result<(), String>) -> Result<()> {
    outcome.clone().map_err(|detail| Error::Corrupt {
        detail,
        backups: Vec::new(),
    })
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

/// The check itself, on a connection of its own: `quick_check`, its answer
/// given at once, then the daily backup (only of a file found sound). Only
/// damage is an error: a check that could not run leaves the catalog as
/// usable as it was.
fn check(path: &Path, answer: &Answer) -> std::result::Result<(), String> {
    let started = std::time::Instant::now();
    let checked = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(Error::from)
        .and_then(|conn| check_integrity(&conn, &[]).map(|()| conn));
    match checked {
        Ok(conn) => {
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "catalog checked");
            answer.say(Ok(()));
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
