//! PostgreSQL: the connection pool, `?N` → `$N`, prepared statements
//! cached per connection, and the migrations.

use std::collections::HashMap;

use super::Arg;
use crate::error::{Error, Result};

/// PostgreSQL's schema, append-only too. Its first step is what SQLite
/// reached in five.
pub(super) const PG_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/pg/0001_schema.sql"),
    include_str!("../migrations/pg/0002_upload_chunks.sql"),
    include_str!("../migrations/pg/0003_rate_buckets.sql"),
    include_str!("../migrations/pg/0004_status_and_receive_time.sql"),
    include_str!("../migrations/pg/0005_moderation_history_and_takedown.sql"),
    include_str!("../migrations/pg/0006_quotas_and_cleanup.sql"),
    include_str!("../migrations/pg/0007_upload_finishing.sql"),
    include_str!("../migrations/pg/0008_app_releases.sql"),
    include_str!("../migrations/pg/0009_trust_and_operators.sql"),
    include_str!("../migrations/pg/0010_search_index.sql"),
    include_str!("../migrations/pg/0011_pending_photo_lists.sql"),
    include_str!("../migrations/pg/0012_displays_later.sql"),
];

/// Key of the advisory lock every PostgreSQL write transaction holds.
pub(super) const WRITE_LOCK: i64 = 0x4841_4e4f_5554; // "HANOUT"

/// Connections kept open to PostgreSQL per process.
pub(super) const PG_POOL_SIZE: u32 = 8;

/// `?N` → `$N`, outside string literals. PostgreSQL numbers its parameters
/// with `$`; SQLite reads `$1` as a *named* parameter, so the crate writes
/// `?N` and translates here.
pub(super) fn pg_sql(sql: &str) -> String {
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

pub(super) fn pg_statement(
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

pub(super) fn pg_args<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// A pooled PostgreSQL connection with its prepared statements.
pub(crate) struct PgConn {
    /// Always `Some` until dropped.
    pub(super) client: Option<postgres::Client>,
    pub(super) statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    pub(super) fn client(&mut self) -> &mut postgres::Client {
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

pub(crate) struct PgManager {
    pub(super) config: postgres::Config,
    /// `Some` when the URL says `sslmode=require`.
    pub(super) tls: Option<postgres_native_tls::MakeTlsConnector>,
}

impl std::fmt::Debug for PgManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgManager")
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

/// The connection settings of `url` and, when it says `sslmode=require`,
/// the TLS connector: the server's certificate is checked against the
/// system's roots, or against the PEM file `sslrootcert=PATH` names (as
/// libpq spells it; only in the `postgres://…?…` form). `disable`,
/// `prefer` or no `sslmode`: plain TCP, as before.
pub(super) fn pg_config(url: &str) -> Result<PgManager> {
    let mut root_cert = None;
    let url = match url::Url::parse(url) {
        Ok(mut parsed) if parsed.query_pairs().any(|(k, _)| k == "sslrootcert") => {
            let kept: Vec<(String, String)> = parsed
                .query_pairs()
                .filter(|(k, v)| {
                    if k == "sslrootcert" {
                        root_cert = Some(v.to_string());
                        false
                    } else {
                        true
                    }
                })
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            parsed.query_pairs_mut().clear().extend_pairs(kept);
            parsed.to_string()
        }
        _ => url.to_owned(),
    };
    let config: postgres::Config = url
        .parse()
        .map_err(|err: postgres::Error| Error::Postgres(err.to_string()))?;
    let tls = if config.get_ssl_mode() == postgres::config::SslMode::Require {
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(path) = &root_cert {
            let pem = std::fs::read(path).map_err(|err| {
                Error::Postgres(format!("could not read sslrootcert `{path}`: {err}"))
            })?;
            let cert = native_tls::Certificate::from_pem(&pem)
                .map_err(|err| Error::Postgres(format!("sslrootcert `{path}`: {err}")))?;
            builder.add_root_certificate(cert);
        }
        let connector = builder
            .build()
            .map_err(|err| Error::Postgres(format!("TLS: {err}")))?;
        Some(postgres_native_tls::MakeTlsConnector::new(connector))
    } else {
        None
    };
    Ok(PgManager { config, tls })
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConn, postgres::Error> {
        let client = match &self.tls {
            Some(tls) => self.config.connect(tls.clone())?,
            None => self.config.connect(postgres::NoTls)?,
        };
        Ok(PgConn {
            client: Some(client),
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

/// Applies the PostgreSQL migrations not applied yet, each in its own
/// transaction, under the write lock so that processes starting together
/// take turns. Hand-rolled: rusqlite_migration is SQLite-only, and these
/// are a dozen lines against a second migration framework.
pub(super) fn migrate_postgres(client: &mut postgres::Client) -> Result<()> {
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
mod tests {
    #[test]
    fn placeholders_become_dollars_outside_strings() {
        assert_eq!(
            super::pg_sql("SELECT '?1', x FROM t WHERE a = ?1 AND b LIKE ?12 ESCAPE '\\'"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b LIKE $12 ESCAPE '\\'"
        );
    }
}
