//! Rolling backups with SQLite's online backup API, and restore.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use crate::Store;
use crate::error::{Error, Result};

/// How many rolling backups to keep.
pub const KEEP_BACKUPS: usize = 10;
const DAILY: Duration = Duration::from_secs(24 * 3600);

/// `<dir of the catalog>/backups/`.
pub fn backups_dir(db_path: &Path) -> PathBuf {
    db_path.parent().unwrap_or(Path::new(".")).join("backups")
}

/// Backups of the catalog at `db_path`, newest first.
pub fn list_backups(db_path: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(backups_dir(db_path))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "db"))
                .collect()
        })
        .unwrap_or_default();
    // Names start with a zero-padded timestamp: lexical order is age order.
    found.sort();
    found.reverse();
    found
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Titles of unsynced listings the restore overwrote (only with `confirm`).
    pub lost: Vec<String>,
    /// The backup of the catalog as it was just before the restore.
    pub safety_backup: PathBuf,
}

impl Store {
    /// Copies the whole catalog to `dest` (consistent even while in use).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        self.conn.backup(rusqlite::MAIN_DB, dest, None)?;
        Ok(())
    }

    /// Writes a new rolling backup tagged `reason` and prunes old ones.
    pub fn rolling_backup(&self, reason: &str) -> Result<PathBuf> {
        let db_path = self.path.clone();
        rolling_backup(&self.conn, &db_path, reason)
    }

    /// A daily backup, if the newest one is older than a day.
    pub(crate) fn daily_backup_if_due(&self) -> Result<Option<PathBuf>> {
        daily_backup_if_due(&self.conn, &self.path)
    }

    /// Replaces the catalog with the backup at `from`.
    ///
    /// Never silently drops newer work: if listings not yet sent to the
    /// marketplace would be overwritten, refuses with
    /// [`Error::RestoreWouldLose`] naming them unless `confirm` is set. A
    /// safety backup of the current catalog is written first either way.
    pub fn restore_from(&mut self, from: &Path, confirm: bool) -> Result<RestoreReport> {
        let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        crate::open::check_integrity(&source, &[])?;
        let lost = self.unsynced_missing_from(&source)?;
        if !lost.is_empty() && !confirm {
            return Err(Error::RestoreWouldLose { unsynced: lost });
        }
        let safety_backup = self.rolling_backup("before-restore")?;
        {
            let backup = rusqlite::backup::Backup::new(&source, &mut self.conn)?;
            backup.run_to_completion(256, Duration::ZERO, None)?;
        }
        crate::open::migrate(&mut self.conn)?;
        self.move_secrets_out()?;
        Ok(RestoreReport {
            lost,
            safety_backup,
        })
    }

    /// Titles of listings with unsent changes that `other` lacks or has older.
    fn unsynced_missing_from(&self, other: &Connection) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT l.id, coalesce(l.title_ar, l.title_fr, l.title_en, l.id), l.updated_at_ms
             FROM listings l JOIN outbox o ON o.listing_id = l.id WHERE o.state = 'pending'",
        )?;
        let unsynced = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut lookup = other.prepare("SELECT updated_at_ms FROM listings WHERE id = ?1")?;
        let mut lost = Vec::new();
        for (id, title, updated) in unsynced {
            let theirs: Option<i64> = lookup.query_row([&id], |row| row.get(0)).ok();
            if theirs.is_none_or(|t| t < updated) {
                lost.push(title);
            }
        }
        Ok(lost)
    }
}

/// A daily backup of the catalog at `db_path` through `conn`, if the newest
/// one is older than a day.
pub(crate) fn daily_backup_if_due(conn: &Connection, db_path: &Path) -> Result<Option<PathBuf>> {
    let newest = list_backups(db_path).into_iter().next();
    let due = match newest.and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok()) {
        Some(modified) => {
            SystemTime::now()
                .duration_since(modified)
                .unwrap_or_default()
                >= DAILY
        }
        None => true,
    };
    if due {
        rolling_backup(conn, db_path, "daily").map(Some)
    } else {
        Ok(None)
    }
}

pub(crate) fn rolling_backup(conn: &Connection, db_path: &Path, reason: &str) -> Result<PathBuf> {
    let dir = backups_dir(db_path);
    std::fs::create_dir_all(&dir)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let stem = db_path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("catalog");
    let dest = dir.join(format!("{now:015}-{stem}-{reason}.db"));
    // Whole or absent (the daily one runs beside the app, which may be
    // killed mid-copy): written under another name, then renamed.
    let part = dest.with_extension("db.part");
    conn.backup(rusqlite::MAIN_DB, &part, None)?;
    // Write access: Windows flushes only a file opened for writing.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&part)?
        .sync_all()?;
    std::fs::rename(&part, &dest)?;
    for old in list_backups(db_path).into_iter().skip(KEEP_BACKUPS) {
        let _ = std::fs::remove_file(old);
    }
    tracing::info!(path = %dest.display(), reason, "catalog backed up");
    Ok(dest)
}

impl Store {
    /// Full `PRAGMA integrity_check`: slower than the `quick_check` done on open.
    pub fn integrity_check(&self) -> Result<bool> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        Ok(result == "ok")
    }
}
