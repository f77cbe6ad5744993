//! The Hanout marketplace server.
//!
//! Cooperatives' devices enroll with a one-time code (rate-limited per IP),
//! push their listing changes (idempotent, last writer wins), pull what
//! their other devices and the moderators changed (`pull.rs`), and upload
//! photos over tus (`tus.rs`) into a content-addressed blob store
//! (`blobs.rs`). The public reads the catalog as JSON (`/v1/catalog`) or
//! HTML (`pages/`: home, `/search`, `/c/{slug}`, `/l/{id}`): only approved
//! listings (`moderation.rs`); the platforms cooperatives sell on read it as
//! product feeds (`feeds/`: Google Merchant Center, Meta). Those public
//! reads carry an `ETag` (`etag.rs`) and go out compressed. A device sets
//! its listings' photos with `PUT /v1/listings/{id}/photos`
//! (`listing_photos.rs`); search matches titles normalised by `search.rs`.
//! One data directory
//! holds everything: `market.db` (SQLite), `blobs/`, `uploads/` — or the
//! photos go to an S3-compatible bucket ([`S3Blobs`]). The HTTP
//! shell lives in [`app`], the admin operations in [`admin`]; the API is
//! described in `openapi.json`, served at `/v1/openapi.json`. The server
//! also hands out the desktop app's updates (`releases.rs`,
//! `app_update.rs`).

pub mod admin;
mod app_update;
mod audit;
mod auth;
/// A synthetic catalog for `cargo xtask bench catalog`: not an API.
#[doc(hidden)]
pub mod bench_catalog;
mod blobs;
mod catalog;
pub mod cleanup;
pub mod cli_trust;
mod clock;
mod console;
mod cooperative;
mod db;
mod demo;
mod enroll;
mod enrollment_code;
mod error;
mod etag;
mod feeds;
mod json;
mod lang;
mod listing_photos;
mod merge;
mod moderation;
mod moderation_history;
mod openapi;
mod pages;
mod photos;
mod price;
mod pull;
mod push;
mod quota;
mod ranged;
mod rate_limit;
mod releases;
mod routes;
mod search;
mod stored;
mod takedown;
mod trust;
mod tus;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

pub use clock::Clock;
pub use error::{Error, Result};
pub use moderation::ModerationPolicy;
pub use moderation_history::{Action as ModerationAction, Event as ModerationEvent};
pub use protocol::{ListingPhoto, ListingPhotosRequest};
pub use rate_limit::RateLimit;
pub use routes::app;
#[doc(hidden)]
pub use tus::fuzzing as tus_fuzzing;

/// Settings of a [`Market`]; `Config::default()` is what production runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub clock: Clock,
    /// A request taking longer is answered 408. As long as the app waits
    /// for one (60 s): a chunk caught in a link's silence of half a
    /// minute goes on when the link comes back instead of being thrown
    /// away and sent again.
    pub request_timeout: Duration,
    /// Largest request body accepted, after gzip decompression.
    pub body_limit: usize,
    /// Whether pushed listings are public at once or wait for approval.
    pub moderation: ModerationPolicy,
    /// Enrollment attempts allowed per client (IPv4 address or IPv6 /64).
    pub enroll_rate: RateLimit,
    /// Enrollment attempts allowed over all clients together.
    pub enroll_global_rate: RateLimit,
    /// Messages and reports the public pages' forms take per client
    /// (IPv4 address or IPv6 /64), each form its own bucket.
    pub form_rate: RateLimit,
    /// How many of the newest public listings a search reads in order
    /// before it asks the trigram index (see `catalog::search`).
    pub search_window: i64,
    /// Reverse proxies whose `X-Forwarded-For` is believed (exact
    /// addresses). Empty (the default): the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Bytes of photos one cooperative may store (counting its uploads in
    /// progress).
    pub storage_quota_bytes: u64,
    /// Uploads one cooperative may start.
    pub upload_rate: RateLimit,
    /// Photos no listing shows are removed once they have been so for this
    /// long (see [`cleanup`]).
    pub blob_grace: Duration,
    /// Where photos and the app's packages go: `None` for `<data>/blobs`,
    /// or an S3-compatible bucket.
    pub blobs: Option<S3Blobs>,
    /// `None`: SQLite in `<data>/market.db`. `Some("postgres://…")`: a
    /// PostgreSQL database, which several processes may share.
    pub database: Option<String>,
    /// The address buyers reach the marketplace at (`https://souk.example.org`),
    /// for the absolute links in share previews, structured data and the
    /// sitemap. `None`: from the request's `Host` (plain `http://`).
    pub public_url: Option<String>,
}

/// An S3-compatible bucket for the photos.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Blobs {
    /// `s3://BUCKET?endpoint=URL&region=REGION`.
    pub url: String,
    /// `None`: from `AWS_ACCESS_KEY_ID` (and the other usual variables).
    pub access_key_id: Option<String>,
    /// `None`: from `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Blobs")
            .field("url", &self.url)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            clock: Clock::system(),
            request_timeout: Duration::from_secs(60),
            body_limit: 4 * 1024 * 1024,
            moderation: ModerationPolicy::Auto,
            enroll_rate: RateLimit {
                burst: 10,
                refill_every: Duration::from_secs(60),
            },
            enroll_global_rate: RateLimit {
                burst: 200,
                refill_every: Duration::from_secs(1),
            },
            form_rate: RateLimit {
                burst: 5,
                refill_every: Duration::from_secs(10 * 60),
            },
            search_window: 2_000,
            trusted_proxies: Vec::new(),
            storage_quota_bytes: 20 * 1024 * 1024 * 1024,
            // A cooperative's whole catalogue (200 listings: 1,200 files)
            // goes without a wait at 1 Mbit/s, where thumbnails start
            // seven a second; the storage quota bounds what they hold.
            upload_rate: RateLimit {
                burst: 1_000,
                refill_every: Duration::from_millis(100),
            },
            blob_grace: Duration::from_secs(7 * 24 * 60 * 60),
            blobs: None,
            database: None,
            public_url: None,
        }
    }
}

/// The marketplace: its database and its settings. Cheap to clone.
#[derive(Clone)]
pub struct Market {
    inner: Arc<Inner>,
}

struct Inner {
    db: db::Database,
    /// One per reader: a read waits here, first come first served, before
    /// it takes a blocking thread (`Market::read`).
    read_permits: Arc<tokio::sync::Semaphore>,
    data_dir: PathBuf,
    blobs: blobs::BlobStore,
    config: Config,
    enroll_limiter: rate_limit::Limiter,
    enroll_global_limiter: rate_limit::Limiter,
    upload_limiter: rate_limit::Limiter,
}

impl Market {
    /// Opens or creates `<data_dir>/market.db` (or the PostgreSQL database
    /// of `config.database`) and migrates it.
    pub fn open(data_dir: &Path) -> anyhow::Result<Market> {
        Market::open_with(data_dir, Config::default())
    }

    pub fn open_with(data_dir: &Path, config: Config) -> anyhow::Result<Market> {
        std::fs::create_dir_all(data_dir).with_context(|| {
            format!("could not create the data directory {}", data_dir.display())
        })?;
        let blobs = blobs::BlobStore::open(data_dir, config.blobs.as_ref())?;
        let db = match &config.database {
            Some(url) => db::Database::open_postgres(url)
                .with_context(|| format!("could not open the database {}", redact(url)))?,
            None => {
                let path = data_dir.join(db::FILE_NAME);
                db::Database::open_sqlite(&path)
                    .with_context(|| format!("could not open the database {}", path.display()))?
            }
        };
        tracing::info!(engine = db.engine(), "database ready");
        Ok(Market {
            inner: Arc::new(Inner {
                read_permits: Arc::new(tokio::sync::Semaphore::new(db.readers())),
                db,
                data_dir: data_dir.to_owned(),
                blobs,
                enroll_limiter: rate_limit::Limiter::new(config.enroll_rate),
                enroll_global_limiter: rate_limit::Limiter::new(config.enroll_global_rate),
                upload_limiter: rate_limit::Limiter::new(config.upload_rate),
                config,
            }),
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Enrollment limits: per client, and over all clients.
    pub(crate) fn enroll_limiters(&self) -> [&rate_limit::Limiter; 2] {
        [
            &self.inner.enroll_limiter,
            &self.inner.enroll_global_limiter,
        ]
    }

    pub(crate) fn upload_limiter(&self) -> &rate_limit::Limiter {
        &self.inner.upload_limiter
    }

    /// The data directory: `market.db`, `blobs/`, `uploads/`.
    pub(crate) fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    pub(crate) fn blobs(&self) -> &blobs::BlobStore {
        &self.inner.blobs
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.config.clock.now_ms()
    }

    /// The database, for blocking callers (admin, CLI); handlers go
    /// through [`Market::run`] and [`Market::read`].
    pub(crate) fn db(&self) -> &db::Database {
        &self.inner.db
    }

    /// Runs `f` in a write transaction on the blocking thread pool.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut db::Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let market = self.clone();
        tokio::task::spawn_blocking(move || market.inner.db.write(f)).await?
    }

    /// Runs `f` in a read-only transaction on the blocking thread pool.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut db::Tx<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        // Waiting for a reader in tokio's fair queue, rather than on the
        // pool's condition variable from a blocking thread: there a newly
        // arrived read can take a reader before one that waited, and under
        // many buyers a few reads wait far longer than the rest (the p99).
        let permit = Arc::clone(&self.inner.read_permits)
            .acquire_owned()
            .await
            .expect("the read permits are never closed");
        let market = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            market.inner.db.read(f)
        })
        .await?
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
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
