//! The marketplace database: one SQLite file, opened here and only here.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

/// Append-only: add a file, never edit one that shipped.
const MIGRATIONS: &[M<'static>] = &[M::up(include_str!("migrations/0001_init.sql"))];

/// File name of the database inside the data directory.
pub const FILE_NAME: &str = "market.db";

/// Opens (creating if needed) the database at `path`, sets the durability
/// pragmas and brings the schema up to date. Refuses a newer schema.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    #[allow(clippy::disallowed_methods)] // this is the one place allowed to.
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrate(&mut conn)?;
    tracing::debug!(path = %path.display(), "market database opened");
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    // WAL + synchronous=FULL: a push that was answered survives a power cut.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
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
