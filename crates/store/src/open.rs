use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

/// Append-only: add a file, never edit one that shipped.
const MIGRATIONS: &[M<'static>] = &[M::up(include_str!("migrations/0001_init.sql"))];

/// The local catalog: one SQLite file, one writer (this connection).
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
}

/// Opens (creating if needed) the catalog at `path`, sets the durability
/// pragmas and brings the schema up to date.
///
/// Refuses a file written by a newer Hanout rather than guessing at it.
pub fn open(path: &Path) -> Result<Store> {
    #[allow(clippy::disallowed_methods)] // this is the one place allowed to.
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrate(&mut conn)?;
    tracing::debug!(path = %path.display(), "store opened");
    Ok(Store { conn })
}

fn configure(conn: &Connection) -> Result<()> {
    // WAL + synchronous=FULL: a commit that returned survives a power cut.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > known {
        return Err(Error::TooNew { found, known });
    }
    Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}
