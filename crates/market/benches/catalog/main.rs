//! How the public catalog holds up with buyers: `cargo xtask bench catalog`
//! (issue 16). Not a test: it writes figures as JSON; `xtask` prints them
//! beside their goals.
//!
//! A catalog of `--listings` published listings from `--cooperatives`
//! cooperatives (`market::bench_catalog`: the demo products, through the
//! server's own push and photo paths; the SQLite one is cached under
//! `--cache`, keyed by the schema and generator fingerprint, and copied
//! for each run) is served by the real `hanout-market serve` binary, a
//! process of its own on loopback. Then, each phase `--seconds` long after
//! a one-second warm-up, `--connections` kept-alive buyers as fast as the
//! server answers:
//!
//! 1. listing pages `/l/{id}` of random listings (browsers' headers:
//!    `Accept-Encoding: gzip, deflate, br, zstd`, one of three
//!    `Accept-Language`s): pages/s, p50, p99;
//! 2. searches `/search?q=` from a fixed mix: common words in French,
//!    English and Arabic, numbered titles (one match: the whole catalog is
//!    read) and a word nothing matches: p50, p99;
//! 3. the whole Google feed `/feeds/google.xml` (gzip, as crawlers fetch
//!    it), by one client, from a server started afresh so that its memory
//!    high-water mark (`VmHWM`) is the feed's; its resident memory is also
//!    sampled every 5 ms. Every item is counted.
//!
//! The load generator runs on the same machine (one thread): on 2 cores
//! the figures are what the server does with the CPU the buyers leave it.
//! `--engine postgres` runs the same on a throwaway PostgreSQL server from
//! `test-support` (`fsync=off`; its own memory is not the server's).

#![allow(clippy::print_stdout)] // a bench binary reports on its terminal

mod dataset;
mod load;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "Buyers against a large catalog on the real marketplace binary")]
struct Args {
    /// Where to write the JSON figures.
    #[arg(long, default_value = "target/bench/catalog.json")]
    out: PathBuf,
    /// Where generated SQLite catalogs are kept between runs.
    #[arg(long, default_value = "target/bench/catalog-cache")]
    cache: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    listings: usize,
    #[arg(long, default_value_t = 500)]
    cooperatives: usize,
    /// `sqlite`, `postgres`, or both (repeated); the first is the
    /// figures at the top of the JSON.
    #[arg(long = "engine", value_enum, default_values_t = [Engine::Sqlite])]
    engines: Vec<Engine>,
    /// Length of the pages and the search phases, each.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Kept-alive connections, each a buyer asking as soon as answered.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// The buyers' `Accept-Encoding` (browsers': the server answers
    /// brotli); `gzip` or `identity` to compare what compression costs.
    #[arg(long, default_value = load::BROWSER_ENCODINGS)]
    accept_encoding: String,
    /// What `cargo bench` passes to every bench binary.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.connections > 0 && args.seconds > 0.0,
        "--connections and --seconds must be more than 0"
    );
    let mut engines = Vec::new();
    for &engine in &args.engines {
        if engines.iter().any(|(e, _)| *e == engine) {
            continue;
        }
        println!("\n== catalog bench on {}", engine.name());
        let figures = run(&args, engine)?;
        engines.push((engine, figures));
    }
    let mut report = json!({
        "listings": args.listings,
        "cooperatives": args.cooperatives,
        "connections": args.connections,
        "seconds_per_phase": args.seconds,
        "accept_encoding": args.accept_encoding,
        "machine": machine(),
    });
    if let (Some((_, first)), Value::Object(top)) = (engines.first(), &mut report) {
        if let Value::Object(figures) = first {
            top.extend(figures.clone());
        }
        top.insert(
            "engines".to_owned(),
            Value::Object(
                engines
                    .iter()
                    .map(|(engine, figures)| (engine.name().to_owned(), figures.clone()))
                    .collect(),
            ),
        );
    }
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("could not create {}", parent.display()))?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("could not write {}", args.out.display()))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// One engine's figures.
fn run(args: &Args, engine: Engine) -> anyhow::Result<Value> {
    let spec = market::bench_catalog::Spec {
        listings: args.listings,
        cooperatives: args.cooperatives,
    };
    let data = dataset::prepare(&args.cache, spec, engine)?;
    let phase = Duration::from_secs_f64(args.seconds);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let served = server::Server::start(&data)?;
    let (pages, searches) = runtime.block_on(async {
        let base = served.base.as_str();
        load::check(base, &data.ids).await?;
        let queries = load::queries(args.listings);
        println!(
            "pages: {} connections, {:.0} s…",
            args.connections, args.seconds
        );
        let pages = load::run(
            base,
            &args.accept_encoding,
            args.connections,
            phase,
            load::Ask::Pages(&data.ids),
        )
        .await?;
        println!(
            "  {:.0} pages/s, p50 {:.1} ms, p99 {:.1} ms",
            pages.per_s, pages.p50_ms, pages.p99_ms
        );
        println!(
            "search: {} connections, {:.0} s…",
            args.connections, args.seconds
        );
        let searches = load::run(
            base,
            &args.accept_encoding,
            args.connections,
            phase,
            load::Ask::Search(&queries),
        )
        .await?;
        println!(
            "  {:.0} searches/s, p50 {:.1} ms, p99 {:.1} ms",
            searches.per_s, searches.p50_ms, searches.p99_ms
        );
        anyhow::Ok((pages, searches))
    })?;
    drop(served);

    // Afresh, so the high-water mark is the feed's.
    let served = server::Server::start(&data)?;
    println!("feed: /feeds/google.xml…");
    let feed = runtime.block_on(load::feed(&served))?;
    drop(served);
    println!(
        "  {} items, {:.1} MB in {:.1} s; server RSS {:.1} MiB before, peak {:.1} MiB (VmHWM {:.1} MiB)",
        feed.items,
        feed.bytes as f64 / 1e6,
        feed.seconds,
        feed.rss_before_mb,
        feed.rss_peak_mb,
        feed.hwm_mb
    );
    anyhow::ensure!(
        feed.items == data.ids.len(),
        "the feed has {} items; {} listings have photos",
        feed.items,
        data.ids.len()
    );

    Ok(json!({
        "engine": engine.name(),
        "catalog_seconds": data.fill_seconds,
        "catalog_cached": data.cached,
        "pages_per_s": pages.per_s,
        "page_p50_ms": pages.p50_ms,
        "page_p99_ms": pages.p99_ms,
        "page_bytes": pages.mean_bytes,
        "pages": pages.count,
        "searches_per_s": searches.per_s,
        "search_p50_ms": searches.p50_ms,
        "search_p99_ms": searches.p99_ms,
        "searches": searches.count,
        "feed_items": feed.items,
        "feed_bytes": feed.bytes,
        "feed_seconds": feed.seconds,
        "feed_rss_before_mb": feed.rss_before_mb,
        "feed_rss_sampled_peak_mb": feed.rss_peak_mb,
        "feed_peak_rss_mb": feed.hwm_mb,
    }))
}

/// What the figures were measured on.
fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_mb = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map(|kib| kib / 1024);
    json!({
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": model,
        "memory_mb": mem_mb,
        "os": std::env::consts::OS,
        // Others' work on the same cores moves every figure.
        "load_average_at_end": std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().and_then(|n| n.parse::<f64>().ok())),
    })
}
