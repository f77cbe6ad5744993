//! The marketplace database: one SQLite file, opened here and only here.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

/// Append-only: add a file, never edit one that shipped.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_init.sql")),
    M::up(include_str!("migrations/0002_moderation_and_pull.sql")),
    M::up(include_str!("migrations/0003_photos_and_uploads.sql")),
    M::up(include_str!(
        "migrations/0004_search_and_listing_photos.sql"
    )),
];

/// File name of the database inside the data directory.
pub const FILE_NAME: &str = "market.db";

/// Opens (creating if needed) the database at `path`, sets the durability
/// pragmas and brings the schema up to date. Refuses a newer schema.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    #[allow(clippy::disallowed_methods)] // this is the one place allowed to.
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrate(&mut conn)?;
    crate::search::backfill(&conn)?;
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

/// The next number of the change feed: higher than any handed out before.
/// Call it inside the write transaction that uses it. SQLite runs one write
/// transaction at a time, so numbers also commit in increasing order and a
/// pull never skips a change that commits later with a lower number.
pub(crate) fn next_change_seq(conn: &Connection) -> Result<i64> {
    let seq = conn.query_row(
        "UPDATE change_sequence SET value = value + 1 WHERE only_row = 1 RETURNING value",
        [],
        |row| row.get(0),
    )?;
    Ok(seq)
}
