//! The Hanout marketplace server.
//!
//! Cooperatives' devices enroll with a one-time code, push their listing
//! changes (idempotent, last writer wins) and the public reads the catalog as
//! JSON (`/v1/catalog`) or HTML (`/`). One SQLite file holds everything; the
//! HTTP shell lives in [`app`], the admin operations in [`admin`].

pub mod admin;
mod auth;
mod catalog;
mod clock;
mod cooperative;
mod db;
mod enroll;
mod enrollment_code;
mod error;
mod json;
mod lang;
mod pages;
mod price;
mod push;
mod routes;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::Connection;

pub use clock::Clock;
pub use error::{Error, Result};
pub use routes::app;

/// Settings of a [`Market`]; `Config::default()` is what production runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub clock: Clock,
    /// A request taking longer is answered 408.
    pub request_timeout: Duration,
    /// Largest request body accepted, after gzip decompression.
    pub body_limit: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            clock: Clock::system(),
            request_timeout: Duration::from_secs(30),
            body_limit: 4 * 1024 * 1024,
        }
    }
}

/// The marketplace: its database and its settings. Cheap to clone.
#[derive(Clone)]
pub struct Market {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    config: Config,
}

impl Market {
    /// Opens or creates `<data_dir>/market.db` and migrates it.
    pub fn open(data_dir: &Path) -> anyhow::Result<Market> {
        Market::open_with(data_dir, Config::default())
    }

    pub fn open_with(data_dir: &Path, config: Config) -> anyhow::Result<Market> {
        std::fs::create_dir_all(data_dir).with_context(|| {
            format!("could not create the data directory {}", data_dir.display())
        })?;
        let path = data_dir.join(db::FILE_NAME);
        let conn = db::open(&path)
            .with_context(|| format!("could not open the database {}", path.display()))?;
        Ok(Market {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                config,
            }),
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.config.clock.now_ms()
    }

    /// The connection, blocking until no one else holds it. For blocking
    /// callers (admin, CLI); handlers go through [`Market::run`].
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-transaction rolled the transaction back when it
        // unwound, so a poisoned connection is still consistent.
        self.inner
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the connection on the blocking thread pool.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let market = self.clone();
        tokio::task::spawn_blocking(move || f(&mut market.conn())).await?
    }
}

impl std::fmt::Debug for Market {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Market")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
