//! How fast the marketplace ingests pushes. Not a test: it prints figures
//! beside the goal of issue 5 (≥ 5,000 listings/s on the SQLite default on
//! 2 cores) and writes them as JSON.
//!
//! The server runs in this process on a loopback port, twice: with the
//! default configuration (SQLite in a temporary data directory, WAL,
//! `synchronous=FULL`), then on PostgreSQL (a throwaway local server from
//! `test-support`, started with `fsync=off` — so the PostgreSQL figure is
//! an upper bound on what a real, durable server would do; it is there to
//! compare the two code paths, not to promise throughput). Simulated
//! devices, one per cooperative, enroll over HTTP and then push their share
//! of the listings concurrently, in batches, each batch one
//! `POST /v1/push` timed from send to parsed answer.
//!
//! `cargo bench -p market --bench market -- --out $PWD/target/bench/market.json`

#![allow(clippy::print_stdout)] // a bench binary reports on its terminal

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use clap::Parser;
use market::{Config, Market, admin};
use protocol::{
    Change, ChangeOp, EnrollRequest, EnrollResponse, ListingPayload, LocalizedText, Outcome,
    PushRequest, PushResponse,
};
use uuid::Uuid;

/// The goal for the SQLite default.
const GOAL_LISTINGS_PER_S: f64 = 5_000.0;

#[derive(Debug, Parser)]
#[command(about = "Push listings to an in-process marketplace and measure ingestion")]
struct Args {
    /// Where to write the JSON figures.
    #[arg(long, default_value = "target/bench/market.json")]
    out: PathBuf,
    /// Listings pushed in all.
    #[arg(long, default_value_t = 50_000)]
    listings: usize,
    /// Simulated devices, each of its own cooperative, pushing concurrently.
    #[arg(long, default_value_t = 8)]
    devices: usize,
    /// Listings per push.
    #[arg(long, default_value_t = 200)]
    batch: usize,
    /// Skip the PostgreSQL run.
    #[arg(long)]
    sqlite_only: bool,
    /// What `cargo bench` passes to every bench binary.
    #[arg(long, hide = true)]
    bench: bool,
}

/// One run's figures.
struct Figures {
    per_s: f64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    pushes: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(
        args.devices > 0 && args.batch > 0,
        "--devices and --batch must be at least 1"
    );
    ensure!(
        args.batch <= protocol::MAX_PUSH_CHANGES,
        "--batch is at most {}",
        protocol::MAX_PUSH_CHANGES
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!(
        "pushing {} listings from {} devices in batches of {}…",
        args.listings, args.devices, args.batch
    );
    let sqlite = measure(&args, Market::open(dir.path())?).await?;
    report("SQLite, synchronous=FULL", &sqlite);
    let ratio = sqlite.per_s / GOAL_LISTINGS_PER_S;
    println!(
        "goal            {GOAL_LISTINGS_PER_S:>10.0} listings/s  (issue 5, SQLite default, 2 cores) — ratio {ratio:.2}×"
    );
    let postgres = if args.sqlite_only {
        None
    } else {
        let url = test_support::services::postgres().create_database();
        let pg_dir = tempfile::tempdir()?;
        let config = Config {
            database: Some(url),
            ..Config::default()
        };
        let figures = measure(&args, Market::open_with(pg_dir.path(), config)?).await?;
        report("PostgreSQL, local, fsync=off", &figures);
        println!(
            "PostgreSQL / SQLite  {:.2}× the listings/s",
            figures.per_s / sqlite.per_s
        );
        Some(figures)
    };

    let report = serde_json::json!({
        "listings": args.listings,
        "devices": args.devices,
        "batch": args.batch,
        "database": "sqlite",
        "seconds": sqlite.seconds,
        "push_listings_per_s": sqlite.per_s,
        "push_p50_ms": sqlite.p50_ms,
        "push_p99_ms": sqlite.p99_ms,
        "goal_listings_per_s": GOAL_LISTINGS_PER_S,
        "ratio_to_goal": ratio,
        "postgres": postgres.map(|pg| serde_json::json!({
            "push_listings_per_s": pg.per_s,
            "push_p50_ms": pg.p50_ms,
            "push_p99_ms": pg.p99_ms,
            "seconds": pg.seconds,
            "ratio_to_sqlite": pg.per_s / sqlite.per_s,
            "note": "local throwaway server with fsync=off: an upper bound",
        })),
    });
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create {}", parent.display()))?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("could not write {}", args.out.display()))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

fn report(label: &str, figures: &Figures) {
    println!("\n{label}");
    println!(
        "ingested        {:>10.0} listings/s  ({:.2} s in all)",
        figures.per_s, figures.seconds
    );
    println!(
        "push latency    p50 {:.1} ms, p99 {:.1} ms  ({} pushes)",
        figures.p50_ms, figures.p99_ms, figures.pushes
    );
}

async fn measure(args: &Args, market: Market) -> anyhow::Result<Figures> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = market::app(market.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;

    let mut tokens = Vec::with_capacity(args.devices);
    for i in 0..args.devices {
        let slug = format!("coop-{i}");
        admin::add_cooperative(&market, &slug, &format!("Coopérative {i}"))?;
        let code = admin::enrollment_code(&market, &slug)?;
        let enrolled: EnrollResponse = client
            .post(format!("{base}/v1/enroll"))
            .json(&EnrollRequest {
                code,
                device_name: format!("bench device {i}"),
                device_key: None,
            })
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        tokens.push(enrolled.token);
    }

    // Each device's batches, built before the clock starts.
    let per_device = args.listings.div_ceil(args.devices);
    let mut plans = Vec::new();
    let mut remaining = args.listings;
    for (i, token) in tokens.into_iter().enumerate() {
        let count = per_device.min(remaining);
        remaining -= count;
        let batches: Vec<PushRequest> = (0..count)
            .collect::<Vec<_>>()
            .chunks(args.batch)
            .map(|chunk| PushRequest {
                changes: chunk.iter().map(|n| change(i, *n)).collect(),
            })
            .collect();
        plans.push((token, batches));
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (token, batches) in plans {
        let client = client.clone();
        let url = format!("{base}/v1/push");
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(batches.len());
            let mut applied = 0usize;
            for batch in batches {
                let sent = Instant::now();
                let response: PushResponse = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&batch)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                latencies.push(sent.elapsed());
                applied += response
                    .results
                    .iter()
                    .filter(|r| r.outcome == Outcome::Applied)
                    .count();
            }
            anyhow::Ok((latencies, applied))
        }));
    }
    let mut latencies = Vec::new();
    let mut applied = 0;
    for task in tasks {
        let (device_latencies, device_applied) = task.await.context("a device task panicked")??;
        latencies.extend(device_latencies);
        applied += device_applied;
    }
    let elapsed = started.elapsed();
    server.abort();
    ensure!(
        applied == args.listings,
        "only {applied} of {} changes were applied",
        args.listings
    );

    latencies.sort();
    Ok(Figures {
        per_s: args.listings as f64 / elapsed.as_secs_f64(),
        seconds: elapsed.as_secs_f64(),
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
        pushes: latencies.len(),
    })
}

/// An upsert of a new listing, the `n`th of device `device`.
fn change(device: usize, n: usize) -> Change {
    Change::whole(
        Uuid::now_v7(),
        Uuid::now_v7(),
        ChangeOp::Upsert {
            listing: ListingPayload {
                title: LocalizedText {
                    ar: Some(format!("زربية رقم {n}")),
                    fr: Some(format!("Tapis n° {n} de la coopérative {device}")),
                    en: Some(format!("Rug no. {n}")),
                },
                price_centimes: 10_000 + (n as i64 % 5_000) * 100,
                updated_at_ms: 1_772_323_200_000 + n as i64,
                ..ListingPayload::default()
            },
        },
    )
}

/// The `q` quantile of sorted durations, in milliseconds (nearest rank).
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}
