//! The servers behind the trials' marketplaces when they do not keep
//! everything in their data directory: a PostgreSQL server (a throwaway
//! one, `--postgres`, or the operator's, `--database URL`) where each
//! trial gets a database of its own, and an S3-compatible server
//! (`--s3`: s3rver, as the market's scale-out tests run it) where each
//! trial gets a bucket of its own.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use test_support::services::S3rver;

use crate::procs::{Backing, Bucket};

enum Postgres {
    /// `initdb` + `postgres` in a temporary directory, stopped when this
    /// process ends (the scale-out tests' helper).
    Throwaway(&'static test_support::services::Postgres),
    /// A server the operator gave: `postgres://USER@HOST:PORT/DB`.
    Server(String),
}

pub struct Services {
    postgres: Option<Postgres>,
    s3: Option<S3rver>,
}

impl Services {
    /// `throwaway_pg`: start a PostgreSQL server; `database`: use this one
    /// instead. `s3rver_dir`: start s3rver from this npm project, with a
    /// bucket for each of `trials`.
    pub fn start(
        throwaway_pg: bool,
        database: Option<&str>,
        s3rver_dir: Option<&Path>,
        trials: u64,
    ) -> Result<Services> {
        let postgres = match (throwaway_pg, database) {
            (_, Some(url)) => Some(Postgres::Server(url.to_owned())),
            (true, None) => Some(Postgres::Throwaway(test_support::services::postgres())),
            (false, None) => None,
        };
        let s3 = s3rver_dir.map(|dir| {
            let buckets = u32::try_from(trials).unwrap_or(u32::MAX).max(1);
            test_support::services::start_s3rver(dir, buckets)
        });
        Ok(Services { postgres, s3 })
    }

    pub fn describe(&self) -> String {
        let db = match &self.postgres {
            None => "SQLite".to_owned(),
            Some(Postgres::Throwaway(_)) => {
                "PostgreSQL (a throwaway server, a database per trial)".to_owned()
            }
            Some(Postgres::Server(url)) => {
                format!(
                    "PostgreSQL at {} (a database per trial)",
                    without_password(url)
                )
            }
        };
        let blobs = match &self.s3 {
            None => "photos on disk".to_owned(),
            Some(s3) => format!("photos in s3rver at {} (a bucket per trial)", s3.endpoint),
        };
        format!("{db}, {blobs}")
    }

    /// A fresh database and bucket for trial `seed`.
    pub fn fresh(&self, seed: u64) -> Result<Backing> {
        let database = match &self.postgres {
            None => None,
            Some(Postgres::Throwaway(pg)) => Some(pg.create_database()),
            Some(Postgres::Server(url)) => Some(create_database(url, seed)?),
        };
        let bucket = self.s3.as_ref().map(|s3| Bucket {
            endpoint: s3.endpoint.clone(),
            name: s3.fresh_bucket(),
            key: S3rver::KEY.to_owned(),
        });
        Ok(Backing { database, bucket })
    }
}

/// `CREATE DATABASE` on the operator's server; the new database's URL.
fn create_database(url: &str, seed: u64) -> Result<String> {
    let name = format!("torture_{}_{seed}", std::process::id());
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c"])
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .context("running psql (install postgresql-client)")?;
    if !out.status.success() {
        bail!(
            "psql: CREATE DATABASE {name}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(with_database(url, &name))
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn without_password(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Rows of `sql` from the marketplace's database, read-only, each column
/// as text: SQLite's `<data>/market.db`, or PostgreSQL through `psql`.
pub fn market_rows(backing: &Backing, data: &Path, sql: &str) -> Result<Vec<Vec<String>>> {
    match &backing.database {
        None => {
            let db = rusqlite::Connection::open_with_flags(
                data.join("market.db"),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )?;
            let mut stmt = db.prepare(sql)?;
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |row| {
                    (0..n)
                        .map(|i| {
                            Ok(match row.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => String::new(),
                                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                                rusqlite::types::ValueRef::Text(t)
                                | rusqlite::types::ValueRef::Blob(t) => {
                                    String::from_utf8_lossy(t).into_owned()
                                }
                            })
                        })
                        .collect::<rusqlite::Result<Vec<String>>>()
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        }
        Some(url) => {
            let out = Command::new("psql")
                .args(["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"])
                .args(["-d", url, "-c", sql])
                .output()
                .context("running psql (install postgresql-client)")?;
            if !out.status.success() {
                bail!(
                    "psql: {sql}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok(String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| l.split('\t').map(str::to_owned).collect())
                .collect())
        }
    }
}

/// Runs one statement on the marketplace's database (stopped: nothing
/// else writes it meanwhile).
pub fn market_execute(backing: &Backing, data: &Path, sql: &str) -> Result<()> {
    match &backing.database {
        None => {
            let db = rusqlite::Connection::open_with_flags(
                data.join("market.db"),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
            )?;
            db.busy_timeout(std::time::Duration::from_secs(10))?;
            db.execute(sql, [])?;
            Ok(())
        }
        Some(url) => {
            let out = Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
                .output()
                .context("running psql (install postgresql-client)")?;
            if !out.status.success() {
                bail!(
                    "psql: {sql}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_names_another_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/main?sslmode=disable", "t_1"),
            "postgres://u:p@h:5432/t_1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t_2"), "postgres://h/t_2");
        assert_eq!(
            without_password("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
    }
}
