//! Opening a damaged catalog: keep the damaged file, restore the latest
//! backup, and say so, instead of refusing to start.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::{Store, open};

/// What [`open_or_recover`] had to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The backup the catalog was restored from.
    pub restored_from: PathBuf,
    /// Where the damaged file was moved; never deleted.
    pub damaged_copy: PathBuf,
}

/// Opens the catalog at `path`; if it is damaged and a backup exists, moves
/// the damaged file (and its WAL) aside, restores the newest backup that
/// opens, and reports it. Any other error is returned as is, and a damaged
/// catalog without any usable backup stays [`Error::Corrupt`].
pub fn open_or_recover(path: &Path) -> Result<(Store, Option<Recovery>)> {
    let backups = match open(path) {
        Ok(store) => return Ok((store, None)),
        Err(Error::Corrupt { backups, .. }) if !backups.is_empty() => backups,
        Err(e) => return Err(e),
    };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let damaged_copy = path.with_extension(format!("damaged-{stamp}.db"));
    std::fs::rename(path, &damaged_copy)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(
                &side,
                PathBuf::from(format!("{}{suffix}", damaged_copy.display())),
            )?;
        }
    }
    let mut last_error = None;
    for backup in backups {
        let mut store = open(path)?;
        match store.restore_from(&backup, true) {
            Ok(_) => {
                tracing::warn!(damaged = %damaged_copy.display(), from = %backup.display(), "damaged catalog replaced by its latest backup");
                return Ok((
                    store,
                    Some(Recovery {
                        restored_from: backup,
                        damaged_copy,
                    }),
                ));
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or(Error::Corrupt {
        detail: "no usable backup".to_owned(),
        backups: Vec::new(),
    }))
}
