#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool talks to its terminal
//! `cargo xtask torture`: kill-and-cut trials of a real marketplace and two
//! laptops of one cooperative, each synced by `hanout sync --watch` in its
//! own process through a link shaper, under a random workload and random
//! faults; then everything heals and a checker compares, from the outside
//! (the `hanout` CLI's JSON, the marketplace's HTTP API, the files), what
//! the three hold against what the workload was told was saved.
//!
//! Each trial is drawn from its seed (`--seed S` runs S, S+1, …): the
//! workload and the fault schedule are the seed's; the interleaving with
//! the processes' own timing is not, so a replay re-runs the same trial,
//! not the same nanoseconds.

mod backing;
mod check;
mod horizon;
mod model;
mod pool;
mod procs;
mod trial;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use futures_util::StreamExt as _;
use serde_json::json;

#[derive(Debug, Parser)]
#[command(name = "hanout-torture")]
struct Args {
    #[arg(long, default_value_t = 20)]
    trials: u64,
    /// The first trial's seed; trial `i` uses `seed + i`.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where `hanout` and `hanout-market` are.
    #[arg(long)]
    bin_dir: PathBuf,
    /// Where the trials' data directories go (a failing trial's stay).
    #[arg(long)]
    work: PathBuf,
    /// The figures, as JSON.
    #[arg(long)]
    out: PathBuf,
    /// Start no new trial after this many seconds.
    #[arg(long)]
    max_seconds: Option<u64>,
    /// How to replay one trial, printed with a failure's seed.
    #[arg(long, default_value = "cargo xtask torture")]
    replay: String,
    /// Trials run at once (each has its own directories, ports,
    /// processes, database and bucket).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Each trial's marketplace keeps its database in PostgreSQL: a
    /// throwaway server this run starts (initdb in a temporary directory).
    #[arg(long)]
    postgres: bool,
    /// Like `--postgres`, on this server instead (`postgres://USER@HOST:PORT/DB`;
    /// each trial creates a database of its own there).
    #[arg(long, conflicts_with = "postgres")]
    database: Option<String>,
    /// Each trial's marketplace keeps its photos in an S3 bucket of its
    /// own, on an s3rver this run starts from the npm project at this
    /// directory (crates/market/tests/s3rver).
    #[arg(long, value_name = "S3RVER_NPM_DIR")]
    s3: Option<PathBuf>,
    /// Instead of the trials: the 30-day offline horizon (one laptop makes
    /// a month of changes with no link, then syncs once).
    #[arg(long)]
    horizon: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.work)?;
    let bins = procs::Bins::at(&args.bin_dir)?;
    let env = procs::Env::detect(&args.work);
    let services = backing::Services::start(
        args.postgres,
        args.database.as_deref(),
        args.s3.as_deref(),
        if args.horizon { 1 } else { args.trials },
    )?;
    if args.horizon {
        let pool = pool::Pool::make(&args.work.join("photo-pool"), &bins).await?;
        let dir = args.work.join(format!("horizon-{}", args.seed));
        let _ = std::fs::remove_dir_all(&dir);
        let backing = services.fresh(args.seed)?;
        return horizon::run(args.seed, &dir, &bins, &env, &pool, backing, &args.out).await;
    }
    eprintln!(
        "torture: {} trial(s) from seed {}, {} at once; marketplace: {}; clock jumps: {}; full disk: {}",
        args.trials,
        args.seed,
        args.jobs.max(1),
        services.describe(),
        env.faketime
            .as_ref()
            .map_or("unavailable (no libfaketime)".to_owned(), |p| format!(
                "libfaketime ({})",
                p.display()
            )),
        if env.tmpfs {
            "tmpfs per trial"
        } else {
            "unavailable (cannot mount tmpfs here)"
        }
    );
    let pool = pool::Pool::make(&args.work.join("photo-pool"), &bins).await?;

    let mut figures = Figures::default();
    // Trials `jobs` at a time; a new one starts only while the budget lasts.
    let within_budget = |i: &u64| {
        let left = args
            .max_seconds
            .is_none_or(|max| started.elapsed() <= Duration::from_secs(max));
        if !left {
            eprintln!("torture: time budget spent; no trial started after {i} trial(s)");
        }
        std::future::ready(left)
    };
    let trials = futures_util::stream::iter(0..args.trials)
        .take_while(within_budget)
        .map(|i| {
            let seed = args.seed + i;
            let dir = args.work.join(format!("trial-{seed}"));
            let (bins, env, pool, services) = (&bins, &env, &pool, &services);
            async move {
                let _ = std::fs::remove_dir_all(&dir);
                let outcome = match services.fresh(seed) {
                    Ok(backing) => trial::run(seed, &dir, bins, env, pool, backing).await,
                    Err(e) => Err(e),
                };
                (seed, dir, outcome)
            }
        })
        .buffer_unordered(args.jobs.max(1));
    let mut trials = std::pin::pin!(trials);
    while let Some((seed, dir, outcome)) = trials.next().await {
        figures.add(seed, &dir, &args.replay, outcome);
    }
    figures
        .failures
        .sort_by_key(|f| f["seed"].as_u64().unwrap_or(0));
    figures.wall = started.elapsed();
    let summary = figures.json();
    println!("{}", figures.text());
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&summary)? + "\n")
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("torture: figures in {}", args.out.display());
    if figures.failures.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} trial(s) failed", figures.failures.len())
    }
}

#[derive(Default)]
struct Figures {
    trials: u64,
    ok: u64,
    faults: BTreeMap<String, u64>,
    convergence: Vec<Duration>,
    trial_times: Vec<Duration>,
    up_bytes: u64,
    down_bytes: u64,
    photo_bytes_stored: u64,
    photo_bytes_reported_sent: u64,
    listings: u64,
    edits: u64,
    unfinished_uploads: u64,
    cleanup_checked: u64,
    by_kind: BTreeMap<&'static str, u64>,
    failures: Vec<serde_json::Value>,
    wall: Duration,
}

impl Figures {
    fn add(
        &mut self,
        seed: u64,
        dir: &std::path::Path,
        replay: &str,
        outcome: Result<trial::Outcome>,
    ) {
        self.trials += 1;
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => trial::Outcome::broken(format!("{e:#}")),
        };
        for (kind, n) in &outcome.faults {
            *self.faults.entry(kind.clone()).or_default() += n;
        }
        if let Some(c) = outcome.convergence {
            self.convergence.push(c);
        }
        self.trial_times.push(outcome.took);
        self.up_bytes += outcome.up_bytes;
        self.down_bytes += outcome.down_bytes;
        self.photo_bytes_stored += outcome.photo_bytes_stored;
        self.photo_bytes_reported_sent += outcome.photo_bytes_reported_sent;
        self.listings += outcome.listings;
        self.edits += outcome.edits;
        self.unfinished_uploads += outcome.unfinished_uploads;
        self.cleanup_checked += u64::from(outcome.cleanup_checked);
        let faults: Vec<String> = outcome
            .faults
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect();
        if outcome.problems.is_empty() {
            self.ok += 1;
            let _ = std::fs::remove_dir_all(dir);
            eprintln!(
                "trial seed {seed}: ok in {:.1} s, converged {:.2} s after healing; {} listings, {} edits; faults: {}",
                outcome.took.as_secs_f64(),
                outcome.convergence.unwrap_or_default().as_secs_f64(),
                outcome.listings,
                outcome.edits,
                faults.join(" ")
            );
        } else {
            let replay = format!("{replay} --trials 1 --seed {seed}");
            eprintln!(
                "trial seed {seed}: FAILED ({} problem(s)); faults: {}\n  replay: {replay}\n  data kept in {}",
                outcome.problems.len(),
                faults.join(" "),
                dir.display()
            );
            for p in &outcome.problems {
                eprintln!("  {}: {}", p.kind.as_str(), p.what);
                *self.by_kind.entry(p.kind.as_str()).or_default() += 1;
            }
            self.failures.push(json!({
                "seed": seed,
                "replay": replay,
                "data": dir.display().to_string(),
                "what": outcome.problems.iter().map(|p| json!({"kind": p.kind.as_str(), "what": p.what})).collect::<Vec<_>>(),
            }));
        }
    }

    fn count(&self, kind: &str) -> u64 {
        self.by_kind.get(kind).copied().unwrap_or(0)
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "trials": self.trials,
            "ok": self.ok,
            "failed": self.failures.len(),
            "lost": self.count("lost"),
            "duplicated": self.count("duplicated"),
            "diverged": self.count("diverged"),
            "corrupt": self.count("corrupt"),
            "leftover": self.count("leftover"),
            "other_problems": self.count("other"),
            "failures": self.failures,
            "faults": self.faults,
            "listings": self.listings,
            "edits_acknowledged": self.edits,
            "uploads": {
                "unfinished_after_healing": self.unfinished_uploads,
                "trials_with_clean_up_checked": self.cleanup_checked,
            },
            "convergence_ms": percentiles(&self.convergence),
            "trial_ms": percentiles(&self.trial_times),
            "bytes": {
                "up": self.up_bytes,
                "down": self.down_bytes,
                "photo_bytes_stored": self.photo_bytes_stored,
                "photo_bytes_sent_reported": self.photo_bytes_reported_sent,
                "up_beyond_stored_photos": self.up_bytes.saturating_sub(self.photo_bytes_stored),
            },
            "wall_time_s": self.wall.as_secs_f64(),
        })
    }

    fn text(&self) -> String {
        let c = percentiles(&self.convergence);
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        format!(
            "\n== torture: {} trial(s), {} ok, {} failed (lost {}, duplicated {}, diverged {}, corrupt {}, leftover {}, other {})\n\
             listings {}, acknowledged edits {}\n\
             unfinished uploads once healed {}; expired-upload clean-up checked in {} trial(s)\n\
             faults injected: {}\n\
             convergence after healing: p50 {} ms, p95 {} ms, max {} ms\n\
             bytes up {} (photos stored {}, photo bytes the engine reported sending {}), down {}\n\
             wall time {:.0} s",
            self.trials,
            self.ok,
            self.failures.len(),
            self.count("lost"),
            self.count("duplicated"),
            self.count("diverged"),
            self.count("corrupt"),
            self.count("leftover"),
            self.count("other"),
            self.listings,
            self.edits,
            self.unfinished_uploads,
            self.cleanup_checked,
            faults.join(", "),
            c["p50"],
            c["p95"],
            c["max"],
            self.up_bytes,
            self.photo_bytes_stored,
            self.photo_bytes_reported_sent,
            self.down_bytes,
            self.wall.as_secs_f64()
        )
    }
}

fn percentiles(values: &[Duration]) -> serde_json::Value {
    let mut ms: Vec<u128> = values.iter().map(Duration::as_millis).collect();
    ms.sort_unstable();
    let at = |q: f64| -> u128 {
        if ms.is_empty() {
            return 0;
        }
        let i = ((ms.len() as f64 - 1.0) * q).round() as usize;
        ms[i.min(ms.len() - 1)]
    };
    json!({ "n": ms.len(), "p50": at(0.5), "p95": at(0.95), "max": ms.last().copied().unwrap_or(0) })
}
