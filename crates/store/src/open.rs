use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::backup::{list_backups, rolling_backup};
use crate::error::{Error, Result};

/// Append-only: add a file, never edit one that shipped.
pub(crate) const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_init.sql")),
    M::up(include_str!("migrations/0002_catalog.sql")),
    M::up(include_str!("migrations/0003_search_indexes.sql")),
    M::up(include_str!("migrations/0004_photo_derivatives.sql")),
    M::up(include_str!("migrations/0005_outbox_indexes.sql")),
    M::up(include_str!("migrations/0006_photo_sync.sql")),
    M::up(include_str!("migrations/0007_pull.sql")),
    M::up(include_str!("migrations/0008_clocks.sql")),
    M::up(include_str!("migrations/0009_photo_downloads.sql")),
    M::up(include_str!("migrations/0010_frozen_sends.sql")),
    M::up(include_str!("migrations/0011_sales.sql")),
    M::up(include_str!("migrations/0012_conflicts.sql")),
    M::up(include_str!("migrations/0013_peers.sql")),
];

/// The local catalog: one SQLite file, one writer (this connection).
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl Store {
    /// The catalog file; photos live next to it (`photos/ab/…`).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Opens (creating if needed) the catalog at `path`: sets the durability
/// pragmas, checks the file, backs it up before a migration and once a day,
/// and brings the schema up to date.
///
/// Refuses a file written by a newer Hanout rather than guessing at it, and a
/// damaged file with [`Error::Corrupt`] naming the backups to restore from.
pub fn open(path: &Path) -> Result<Store> {
    #[allow(clippy::disallowed_methods)] // this is the one place allowed to.
    let mut conn = Connection::open(path)?;
    let backups = || list_backups(path);
    let started = std::time::Instant::now();
    configure(&conn).map_err(|e| not_a_database(e, backups()))?;
    check_integrity(&conn, &backups())?;
    let checked = started.elapsed();

    let found = user_version(&conn)?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(Error::TooNew { found, known });
    }
    if found > 0 && found < known {
        rolling_backup(&conn, path, &format!("before-schema-{}", found + 1))?;
    }
    migrate(&mut conn)?;
    let store = Store {
        conn,
        path: path.to_owned(),
    };
    let migrated = started.elapsed();
    store.move_secrets_out()?;
    if let Err(e) = store.daily_backup_if_due() {
        // A failed backup must not keep the manager from working.
        tracing::warn!(error = %e, "daily backup failed");
    }
    tracing::debug!(
        path = %path.display(),
        checked_ms = checked.as_millis() as u64,
        migrated_ms = migrated.as_millis() as u64,
        opened_ms = started.elapsed().as_millis() as u64,
        "store opened"
    );
    Ok(store)
}

/// [`open`] without the integrity check and the daily backup, which the
/// caller runs beside (`check_later.rs`); `None` when a schema migration is
/// due (those are made after a check, by `open`).
pub(crate) fn open_unchecked(path: &Path) -> Result<Option<Store>> {
    #[allow(clippy::disallowed_methods)] // `open`'s twin.
    let conn = Connection::open(path)?;
    configure(&conn)?;
    if user_version(&conn)? != MIGRATIONS.len() as i64 {
        return Ok(None);
    }
    let store = Store {
        conn,
        path: path.to_owned(),
    };
    store.move_secrets_out()?;
    tracing::debug!(path = %path.display(), "store opened; its check runs beside");
    Ok(Some(store))
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL + synchronous=FULL: a commit that returned survives a power cut.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// `PRAGMA quick_check`; anything but `ok` is [`Error::Corrupt`].
pub(crate) fn check_integrity(conn: &Connection, backups: &[PathBuf]) -> Result<()> {
    let result: rusqlite::Result<String> =
        conn.query_row("PRAGMA quick_check", [], |row| row.get(0));
    match result {
        Ok(ok) if ok == "ok" => Ok(()),
        Ok(detail) => Err(Error::Corrupt {
            detail,
            backups: backups.to_vec(),
        }),
        Err(e) => Err(not_a_database(e, backups.to_vec())),
    }
}

fn not_a_database(e: rusqlite::Error, backups: Vec<PathBuf>) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            Error::Corrupt {
                detail: e.to_string(),
                backups,
            }
        }
        _ => Error::Sqlite(e),
    }
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}
