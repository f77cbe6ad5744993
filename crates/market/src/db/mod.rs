//! The marketplace database: an embedded SQLite file (the default) or a
//! PostgreSQL server shared by several `hanout-market` processes. Opened
//! here and only here.
//!
//! Every query of the crate is written once, in the SQL both engines speak
//! (`?N` placeholders, `ON CONFLICT`, `RETURNING`, integers and text only),
//! and runs inside a [`Tx`]. Writes are serialised: SQLite has one writer by
//! design (`BEGIN IMMEDIATE`); on PostgreSQL every write transaction first
//! takes one advisory lock. The change feed needs that: sequence numbers
//! must commit in the order they were handed out, or a pull could move its
//! cursor past a change that commits later with a lower number.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

mod pg;
mod values;

use self::pg::{
    PG_POOL_SIZE, PgConn, PgManager, WRITE_LOCK, migrate_postgres, pg_args, pg_statement,
};
use values::Value;
pub(crate) use values::{Arg, Row, args};

/// Append-only: add a file, never edit one that shipped.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_init.sql")),
    M::up(include_str!("../migrations/0002_moderation_and_pull.sql")),
    M::up(include_str!("../migrations/0003_photos_and_uploads.sql")),
    M::up(include_str!(
        "../migrations/0004_search_and_listing_photos.sql"
    )),
    M::up(include_str!("../migrations/0005_details_and_clocks.sql")),
    M::up(include_str!("../migrations/0006_upload_chunks.sql")),
    M::up(include_str!("../migrations/0007_rate_buckets.sql")),
    M::up(include_str!(
        "../migrations/0008_status_and_receive_time.sql"
    )),
    M::up(include_str!(
        "../migrations/0009_moderation_history_and_takedown.sql"
    )),
    M::up(include_str!("../migrations/0010_quotas_and_cleanup.sql")),
    M::up(include_str!("../migrations/0011_upload_finishing.sql")),
    M::up(include_str!("../migrations/0012_app_releases.sql")),
    M::up(include_str!("../migrations/0013_trust_and_operators.sql")),
    M::up(include_str!("../migrations/0014_search_index.sql")),
    M::up(include_str!("../migrations/0015_pending_photo_lists.sql")),
    M::up(include_str!("../migrations/0016_displays_later.sql")),
];

/// How many migrations this build's SQLite schema has had.
pub(crate) fn sqlite_schema_version() -> usize {
    MIGRATIONS.len()
}

/// How many migrations this build's PostgreSQL schema has had.
pub(crate) fn postgres_schema_version() -> usize {
    pg::PG_MIGRATIONS.len()
}

/// File name of the database inside the data directory.
pub const FILE_NAME: &str = "market.db";

pub(crate) enum Database {
    /// One writer (SQLite has one at a time anyway) and a few readers
    /// beside it: in WAL mode reads see the last commit and never wait for
    /// a write, so the public catalog does not queue behind a push.
    Sqlite {
        writer: Mutex<Connection>,
        readers: ReadPool,
    },
    Postgres(r2d2::Pool<PgManager>),
}

/// Read connections kept open beside the SQLite writer.
const SQLITE_READERS: usize = 4;

/// A fixed set of read-only SQLite connections. Hand-rolled (a `Vec` under
/// a mutex and a condition variable): `r2d2_sqlite` would add a crate for
/// what is a dozen lines here.
pub(crate) struct ReadPool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

impl ReadPool {
    fn open(path: &Path, count: usize) -> Result<ReadPool> {
        let idle = (0..count)
            .map(|_| open_reader(path))
            .collect::<Result<Vec<_>>>()?;
        Ok(ReadPool {
            idle: Mutex::new(idle),
            returned: Condvar::new(),
        })
    }

    /// An idle reader, waiting for one if all are busy.
    fn get(&self) -> Reader<'_> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = idle.pop() {
                return Reader {
                    pool: self,
                    conn: Some(conn),
                };
            }
            idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A reader on loan from the pool; goes back when dropped.
struct Reader<'a> {
    pool: &'a ReadPool,
    conn: Option<Connection>,
}

impl Reader<'_> {
    fn conn(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a loaned reader has its connection")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.push(conn);
            self.pool.returned.notify_one();
        }
    }
}

impl Database {
    /// Opens (creating if needed) the SQLite database at `path`, sets the
    /// durability pragmas and brings the schema up to date.
    pub(crate) fn open_sqlite(path: &Path) -> Result<Database> {
        let writer = Mutex::new(open_sqlite(path)?);
        Ok(Database::Sqlite {
            writer,
            readers: ReadPool::open(path, SQLITE_READERS)?,
        })
    }

    /// Connects to `url` (`postgres://user@host:port/db`) and brings the
    /// schema up to date; several processes may do this at once.
    pub(crate) fn open_postgres(url: &str) -> Result<Database> {
        let manager = pg::pg_config(url)?;
        let pool = r2d2::Pool::builder()
            .max_size(PG_POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|err| Error::Postgres(err.to_string()))?;
        off_runtime(|| {
            let mut conn = pool.get().map_err(|err| Error::Postgres(err.to_string()))?;
            migrate_postgres(conn.client())
        })?;
        tracing::debug!("market database on PostgreSQL");
        Ok(Database::Postgres(pool))
    }

    /// How many reads can run at once: the readers of SQLite, the
    /// connections of PostgreSQL's pool.
    pub(crate) fn readers(&self) -> usize {
        match self {
            Database::Sqlite { .. } => SQLITE_READERS,
            Database::Postgres(_) => PG_POOL_SIZE as usize,
        }
    }

    pub(crate) fn engine(&self) -> &'static str {
        match self {
            Database::Sqlite { .. } => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// Runs `f` in a transaction that may write, committed if `f` returns
    /// `Ok`. Blocking: from async code go through `Market::run`.
    pub(crate) fn write<T: Send>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        self.transaction(true, f)
    }

    /// Runs `f` in a read-only transaction (one consistent snapshot).
    pub(crate) fn read<T: Send>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        self.transaction(false, f)
    }

    fn transaction<T: Send>(
        &self,
        write: bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        match self {
            Database::Sqlite { writer, readers } => {
                let run = |conn: &mut Connection, behavior| {
                    let tx = conn.transaction_with_behavior(behavior)?;
                    let mut tx = Tx::Sqlite(tx);
                    let out = f(&mut tx)?;
                    let Tx::Sqlite(tx) = tx else { unreachable!() };
                    tx.commit()?;
                    Ok(out)
                };
                if write {
                    run(&mut lock(writer), rusqlite::TransactionBehavior::Immediate)
                } else {
                    run(
                        readers.get().conn(),
                        rusqlite::TransactionBehavior::Deferred,
                    )
                }
            }
            Database::Postgres(pool) => off_runtime(|| {
                let mut conn = pool.get().map_err(|err| Error::Postgres(err.to_string()))?;
                let PgConn { client, statements } = &mut *conn;
                let client = client.as_mut().expect("a pooled connection has its client");
                let mut tx = client.build_transaction();
                if !write {
                    tx = tx.read_only(true);
                }
                let mut tx = tx.start()?;
                if write {
                    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
                }
                let mut tx = Tx::Postgres { tx, statements };
                let out = f(&mut tx)?;
                let Tx::Postgres { tx, .. } = tx else {
                    unreachable!()
                };
                tx.commit()?;
                Ok(out)
            }),
        }
    }
}

/// Runs `f` on a thread of its own. The synchronous PostgreSQL client
/// drives its own small runtime, which cannot start on a thread that is
/// running async tasks (an axum handler's caller, a `#[tokio::test]`);
/// a scoped thread is always safe and costs tens of microseconds against a
/// network round trip.
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic mid-transaction rolled the transaction back when it unwound,
    // so a poisoned connection is still consistent.
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An open transaction on either engine. SQL uses `?N` placeholders.
pub(crate) enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres {
        tx: postgres::Transaction<'a>,
        statements: &'a mut HashMap<String, postgres::Statement>,
    },
}

impl Tx<'_> {
    /// Whether this is SQLite (for the few queries that differ by engine).
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self, Tx::Sqlite(_))
    }

    /// Runs a statement; returns how many rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        match self {
            Tx::Sqlite(tx) => {
                let mut stmt = tx.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(args))? as u64)
            }
            Tx::Postgres { tx, statements } => {
                let stmt = pg_statement(tx, statements, sql)?;
                Ok(tx.execute(&stmt, &pg_args(args))?)
            }
        }
    }

    /// Every row the query returns.
    pub(crate) fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        match self {
            Tx::Sqlite(tx) => {
                let mut stmt = tx.prepare_cached(sql)?;
                let width = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let values = (0..width)
                        .map(|i| Value::from_sqlite(row.get_ref(i)?))
                        .collect::<Result<Vec<_>>>()?;
                    out.push(Row(values));
                }
                Ok(out)
            }
            Tx::Postgres { tx, statements } => {
                let stmt = pg_statement(tx, statements, sql)?;
                let rows = tx.query(&stmt, &pg_args(args))?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| Ok(row.try_get::<_, Value>(i)?))
                            .collect::<Result<Vec<_>>>()
                            .map(Row)
                    })
                    .collect()
            }
        }
    }

    /// The first row, if any.
    pub(crate) fn query_opt(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The first row; a query that returns none is a bug.
    pub(crate) fn query_one(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Row> {
        self.query_opt(sql, args)?
            .ok_or_else(|| Error::Postgres(format!("no row from `{sql}`")))
    }

    /// The next number of the change feed: higher than any handed out before.
    /// Writes are serialised, so numbers also commit in increasing order.
    pub(crate) fn next_change_seq(&mut self) -> Result<i64> {
        self.next_change_seqs(1)
    }

    /// Takes the next `count` numbers of the change feed; returns the last.
    pub(crate) fn next_change_seqs(&mut self, count: i64) -> Result<i64> {
        self.query_one(
            "UPDATE change_sequence SET value = value + ?1 WHERE only_row = 1 RETURNING value",
            args![count],
        )?
        .get(0)
    }
}

fn open_sqlite(path: &Path) -> Result<Connection> {
    #[allow(clippy::disallowed_methods)] // this is the one place allowed to.
    let mut conn = Connection::open(path)?;
    // WAL + synchronous=FULL: a push that was answered survives a power cut.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > known {
        return Err(Error::TooNew { found, known });
    }
    Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
    crate::search::backfill(&conn)?;
    tracing::debug!(path = %path.display(), "market database opened");
    Ok(conn)
}

/// A read-only connection to a database [`open_sqlite`] has set up.
fn open_reader(path: &Path) -> Result<Connection> {
    #[allow(clippy::disallowed_methods)] // the pragmas and schema are the writer's.
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "query_only", "ON")?;
    // Every page, feed and search shape keeps its statement prepared (the
    // default of 16 is fewer than the public pages use).
    conn.set_prepared_statement_cache_capacity(128);
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

#[cfg(test)]
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[cfg(test)]
pub(crate) fn open_sqlite_for_test(path: &Path) -> Result<Connection> {
    open_sqlite(path)
}
