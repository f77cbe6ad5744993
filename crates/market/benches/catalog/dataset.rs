//! The catalog a run serves: generated once per fingerprint and cached
//! (SQLite), or generated into a fresh PostgreSQL database each run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use market::bench_catalog::{self, Spec};
use market::{Config, Market};
use uuid::Uuid;

use crate::Engine;

/// A data directory ready to serve, and what is in it.
pub struct Data {
    /// `--data` of the server; removed when dropped.
    pub dir: tempfile::TempDir,
    /// `--database` of the server (PostgreSQL).
    pub database: Option<String>,
    /// The public listings' ids.
    pub ids: Vec<Uuid>,
    /// How long generating the catalog took (0 when it came from the cache).
    pub fill_seconds: f64,
    pub cached: bool,
}

pub fn prepare(cache: &Path, spec: Spec, engine: Engine) -> anyhow::Result<Data> {
    let dir = tempfile::tempdir()?;
    match engine {
        Engine::Sqlite => {
            let cached = cache.join(bench_catalog::fingerprint(spec));
            let (fill_seconds, was_cached) = if cached.join("market.db").exists() {
                println!("catalog: cached in {}", cached.display());
                (0.0, true)
            } else {
                (generate(&cached, spec)?, false)
            };
            // A copy per run: the server writes (rate buckets, cleanup).
            copy_dir(&cached, dir.path())?;
            let ids = ids(&Market::open(dir.path())?)?;
            Ok(Data {
                dir,
                database: None,
                ids,
                fill_seconds,
                cached: was_cached,
            })
        }
        Engine::Postgres => {
            let url = test_support::services::postgres().create_database();
            println!(
                "catalog: generating {} listings into PostgreSQL…",
                spec.listings
            );
            let started = Instant::now();
            let market = Market::open_with(
                dir.path(),
                Config {
                    database: Some(url.clone()),
                    ..Config::default()
                },
            )?;
            bench_catalog::fill(&market, spec)?;
            let fill_seconds = started.elapsed().as_secs_f64();
            println!("  in {fill_seconds:.1} s");
            let ids = ids(&market)?;
            Ok(Data {
                dir,
                database: Some(url),
                ids,
                fill_seconds,
                cached: false,
            })
        }
    }
}

/// Generates the SQLite catalog of `spec` into `to` (through a partial
/// directory renamed when whole). Returns the seconds it took.
fn generate(to: &Path, spec: Spec) -> anyhow::Result<f64> {
    let partial = PathBuf::from(format!("{}.partial", to.display()));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    println!(
        "catalog: generating {} listings of {} cooperatives into {}…",
        spec.listings,
        spec.cooperatives,
        to.display()
    );
    let started = Instant::now();
    {
        let market = Market::open(&partial)?;
        bench_catalog::fill(&market, spec)?;
    } // Closed: the WAL is checkpointed into market.db.
    let seconds = started.elapsed().as_secs_f64();
    // The uploads' staging directory is empty; keep the copy lean.
    let _ = std::fs::remove_dir_all(partial.join("uploads"));
    std::fs::rename(&partial, to)
        .with_context(|| format!("could not move the catalog to {}", to.display()))?;
    println!("  in {seconds:.1} s");
    Ok(seconds)
}

fn ids(market: &Market) -> anyhow::Result<Vec<Uuid>> {
    let ids = bench_catalog::public_listing_ids(market)?;
    anyhow::ensure!(!ids.is_empty(), "the catalog has no public listing");
    Ok(ids)
}

/// `cp -a FROM/. TO`: the database and the blobs.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from.join("."))
        .arg(to)
        .status()
        .context("could not run cp")?;
    anyhow::ensure!(
        status.success(),
        "could not copy {} to {}",
        from.display(),
        to.display()
    );
    Ok(())
}
