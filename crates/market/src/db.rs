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
use std::sync::{Mutex, MutexGuard};
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
    M::up(include_str!("migrations/0005_details_and_clocks.sql")),
    M::up(include_str!("migrations/0006_upload_chunks.sql")),
    M::up(include_str!("migrations/0007_rate_buckets.sql")),
];

/// PostgreSQL's schema, append-only too. Its first step is what SQLite
/// reached in five.
const PG_MIGRATIONS: &[&str] = &[
    include_str!("migrations/pg/0001_schema.sql"),
    include_str!("migrations/pg/0002_upload_chunks.sql"),
    include_str!("migrations/pg/0003_rate_buckets.sql"),
];

/// Key of the advisory lock every PostgreSQL write transaction holds.
const WRITE_LOCK: i64 = 0x4841_4e4f_5554; // "HANOUT"

/// File name of the database inside the data directory.
pub const FILE_NAME: &str = "market.db";

/// Connections kept open to PostgreSQL per process.
const PG_POOL_SIZE: u32 = 8;

pub(crate) enum Database {
    Sqlite(Mutex<Connection>),
    Postgres(r2d2::Pool<PgManager>),
}

impl Database {
    /// Opens (creating if needed) the SQLite database at `path`, sets the
    /// durability pragmas and brings the schema up to date.
    pub(crate) fn open_sqlite(path: &Path) -> Result<Database> {
        Ok(Database::Sqlite(Mutex::new(open_sqlite(path)?)))
    }

    /// Connects to `url` (`postgres://user@host:port/db`) and brings the
    /// schema up to date; several processes may do this at once.
    pub(crate) fn open_postgres(url: &str) -> Result<Database> {
        let config: postgres::Config = url
            .parse()
            .map_err(|err: postgres::Error| Error::Postgres(err.to_string()))?;
        let pool = r2d2::Pool::builder()
            .max_size(PG_POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(PgManager { config })
            .map_err(|err| Error::Postgres(err.to_string()))?;
        off_runtime(|| {
            let mut conn = pool.get().map_err(|err| Error::Postgres(err.to_string()))?;
            migrate_postgres(conn.client())
        })?;
        tracing::debug!("market database on PostgreSQL");
        Ok(Database::Postgres(pool))
    }

    pub(crate) fn engine(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
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
            Database::Sqlite(conn) => {
                let mut conn = lock(conn);
                let behavior = if write {
                    rusqlite::TransactionBehavior::Immediate
                } else {
                    rusqlite::TransactionBehavior::Deferred
                };
                let tx = conn.transaction_with_behavior(behavior)?;
                let mut tx = Tx::Sqlite(tx);
                let out = f(&mut tx)?;
                let Tx::Sqlite(tx) = tx else { unreachable!() };
                tx.commit()?;
                Ok(out)
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

/// `?N` → `$N`, outside string literals. PostgreSQL numbers its parameters
/// with `$`; SQLite reads `$1` as a *named* parameter, so the crate writes
/// `?N` and translates here.
fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_string = !in_string;
                out.push(c);
            }
            '?' if !in_string && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            c => out.push(c),
        }
    }
    out
}

fn pg_statement(
    tx: &mut postgres::Transaction<'_>,
    statements: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement> {
    if let Some(stmt) = statements.get(sql) {
        return Ok(stmt.clone());
    }
    // `IN (…)` lists of every length make many texts: keep the cache small.
    if statements.len() >= 256 {
        statements.clear();
    }
    let stmt = tx.prepare(&pg_sql(sql))?;
    statements.insert(sql.to_owned(), stmt.clone());
    Ok(stmt)
}

fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// A query parameter. Integers are 64-bit on both engines.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(v)
    }
}

impl<'a, T> From<Option<T>> for Arg<'a>
where
    T: Into<Arg<'a>>,
{
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().into()
    }
}

/// `args![a, b, c]`: query parameters from anything `Into<Arg>`.
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        &[$($crate::db::Arg::from($arg)),*]
    };
}
pub(crate) use args;

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match *self {
            Arg::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Arg::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(v)),
            Arg::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
        })
    }
}

impl postgres::types::ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::{IsNull, Type};
        match *self {
            Arg::Null => Ok(IsNull::Yes),
            Arg::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                _ => Err(format!("an integer cannot go into a {ty} parameter").into()),
            },
            Arg::Text(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// One column of a result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl Value {
    fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Value> {
        use rusqlite::types::ValueRef;
        Ok(match value {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
            ValueRef::Real(_) | ValueRef::Blob(_) => {
                return Err(Error::Column("a real or blob column".to_owned()));
            }
        })
    }
}

impl<'a> postgres::types::FromSql<'a> for Value {
    fn from_sql(
        ty: &postgres::types::Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(
        _: &postgres::types::Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        use postgres::types::Type;
        matches!(
            *ty,
            Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL | Type::TEXT | Type::VARCHAR
        )
    }
}

/// A result row, owned.
#[derive(Debug, Clone)]
pub(crate) struct Row(Vec<Value>);

impl Row {
    pub(crate) fn get<T: FromValue>(&self, idx: usize) -> Result<T> {
        let value = self
            .0
            .get(idx)
            .ok_or_else(|| Error::Column(format!("no column {idx}")))?;
        T::from_value(value).ok_or_else(|| Error::Column(format!("column {idx}: {value:?}")))
    }
}

pub(crate) trait FromValue: Sized {
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|v| v != 0)
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl FromValue for uuid::Uuid {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(v) => uuid::Uuid::parse_str(v).ok(),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A pooled PostgreSQL connection with its prepared statements.
pub(crate) struct PgConn {
    /// Always `Some` until dropped.
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    fn client(&mut self) -> &mut postgres::Client {
        self.client
            .as_mut()
            .expect("a pooled connection has its client")
    }
}

impl Drop for PgConn {
    /// Closing blocks on the client's runtime: never on an async thread.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            std::thread::spawn(move || drop(client));
        }
    }
}

#[derive(Debug)]
pub(crate) struct PgManager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: Some(self.config.connect(postgres::NoTls)?),
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> std::result::Result<(), postgres::Error> {
        conn.client().simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.as_ref().is_none_or(postgres::Client::is_closed)
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

/// Applies the PostgreSQL migrations not applied yet, each in its own
/// transaction, under the write lock so that processes starting together
/// take turns. Hand-rolled: rusqlite_migration is SQLite-only, and these
/// are a dozen lines against a second migration framework.
fn migrate_postgres(client: &mut postgres::Client) -> Result<()> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )?;
    let known = PG_MIGRATIONS.len() as i64;
    for (index, sql) in PG_MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        let found: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .get(0);
        if found > known {
            return Err(Error::TooNew { found, known });
        }
        if found < version {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&version],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[cfg(test)]
pub(crate) fn open_sqlite_for_test(path: &Path) -> Result<Connection> {
    open_sqlite(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars_outside_strings() {
        assert_eq!(
            super::pg_sql("SELECT '?1', x FROM t WHERE a = ?1 AND b LIKE ?12 ESCAPE '\\'"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b LIKE $12 ESCAPE '\\'"
        );
    }
}
