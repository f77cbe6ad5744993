//! Sync over a bad link (issue 11). Not a test: it prints figures beside
//! the goals and writes them as JSON.
//!
//! Real parts: a `hanout-market` on loopback (SQLite, in this process), an
//! app store (a SQLite file) holding listings with photos made by the
//! `photos` pipeline from generated photographs, and the engine's own run
//! loop (`sync::run`, default configuration) talking to the market through
//! the link shaper of `test-support`. Bytes on the wire and HTTP requests
//! are counted at the shaper; a second device watches the market directly
//! and notes when each listing, then its photos, went public.
//!
//! `cargo bench -p sync --bench sync -- --scale 0.1 --scenario rural3g`
//! (or `cargo xtask bench sync --scale 0.1`).

#![allow(clippy::print_stdout, clippy::print_stderr)] // a bench binary reports on its terminal

mod library;
mod scenario;
mod watch;

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Parser;
use serde_json::{Map, Value, json};

use scenario::{Figures, SCENARIOS};

/// Goals of issue 11.
const GOAL_EFFICIENCY: f64 = 0.85;
const GOAL_EFFICIENCY_BAD_LINK: f64 = 0.8;
const GOAL_RESENT_PER_CUT: f64 = 256.0 * 1024.0;
const GOAL_REQUESTS_METADATA: u64 = 5;
const GOAL_OVERHEAD: f64 = 1.05;

#[derive(Debug, Parser)]
#[command(
    about = "Sync listings and photos through a shaped link and measure how well the engine fills it"
)]
struct Args {
    /// Where to write the JSON figures.
    #[arg(long, default_value = "target/bench/sync.json")]
    out: PathBuf,
    /// Fraction of each photo scenario's listings (0.1: 20 of rural3g's
    /// 200). `metadata` always pushes its 1,000 listings.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Run only these scenarios (repeat the flag); all by default.
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Where generated photographs are kept between runs.
    #[arg(long)]
    photo_cache: Option<PathBuf>,
    /// What `cargo bench` passes to every bench binary.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !(args.scale > 0.0 && args.scale <= 1.0) {
        bail!("--scale is a fraction in (0, 1]");
    }
    for name in &args.scenarios {
        if !SCENARIOS.iter().any(|s| s.name == name) {
            let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
            bail!("unknown scenario {name:?}; pick among {names:?}");
        }
    }
    let out = if args.out.is_absolute() {
        args.out.clone()
    } else {
        std::env::current_dir()?.join(&args.out)
    };
    let cache = args.photo_cache.clone().unwrap_or_else(|| {
        library::default_dir(out.parent().and_then(|p| p.parent()).unwrap_or(&out))
    });
    tracing_subscriber_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut results: Vec<(&'static str, Figures)> = Vec::new();
    for spec in SCENARIOS {
        if !args.scenarios.is_empty() && !args.scenarios.iter().any(|n| n == spec.name) {
            continue;
        }
        let spec = spec.scaled(args.scale);
        eprintln!(
            "\n== {}: {} listings × {} photos, {} kbit/s, RTT {} ms{}",
            spec.name,
            spec.listings,
            spec.photos_per_listing,
            spec.kbit,
            spec.rtt_ms,
            spec.faults()
        );
        // The cuts' re-sent bytes: beyond what rural3g (the same work on
        // the same link, uncut) sent.
        let reference = results
            .iter()
            .find(|(name, _)| *name == "rural3g")
            .map(|(_, f)| f.wire_up_bytes);
        let figures = runtime.block_on(scenario::run(&spec, &cache, reference))?;
        eprintln!("{}", serde_json::to_string(&figures.json())?);
        results.push((spec.name, figures));
    }
    print_table(&results, args.scale);
    let json = to_json(&results, args.scale);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&json)?)?;
    println!("\nwritten to {}", out.display());
    Ok(())
}

fn tracing_subscriber_init() {
    // The engine's own log is useful when a figure looks wrong:
    // RUST_LOG=sync=info.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
}

fn goal_efficiency(name: &str) -> f64 {
    match name {
        "cuts" | "stalls" => GOAL_EFFICIENCY_BAD_LINK,
        _ => GOAL_EFFICIENCY,
    }
}

fn print_table(results: &[(&str, Figures)], scale: f64) {
    println!("\nsync over a shaped link (scale {scale}; metadata always 1,000 listings)");
    println!(
        "{:<9} {:>8} {:>8} {:>8}  {:>11} {:>12}  {:>9}  {:>10}  {:>12}  {:>9}",
        "scenario",
        "actual s",
        "ideal s",
        "effic.",
        "goal",
        "first live s",
        "goal",
        "all live s",
        "resent/cut",
        "requests"
    );
    for (name, f) in results {
        let resent = f
            .resent_bytes_per_cut
            .map_or_else(|| "-".to_owned(), |b| format!("{:.0} KiB", b / 1024.0));
        println!(
            "{:<9} {:>8.1} {:>8.1} {:>8.2}  {:>11} {:>12.2}  {:>9}  {:>10.1}  {:>12}  {:>9}",
            name,
            f.actual_s,
            f.ideal_s,
            f.efficiency,
            format!("≥ {}", goal_efficiency(name)),
            f.first_live_s,
            format!("≤ {:.2}", f.first_live_goal_s),
            f.all_live_s,
            resent,
            f.requests,
        );
    }
    println!("\noverhead (bytes on the wire both ways ÷ payload), goal ≤ {GOAL_OVERHEAD}:");
    for (name, f) in results {
        println!(
            "  {name:<9} {:.3}  ({} B up + {} B down for {} B of listings and photos)",
            f.overhead, f.wire_up_bytes, f.wire_down_bytes, f.payload_bytes
        );
    }
    println!(
        "goals: resent ≤ {:.0} KiB per cut; metadata ≤ {GOAL_REQUESTS_METADATA} requests",
        GOAL_RESENT_PER_CUT / 1024.0
    );
}

fn to_json(results: &[(&str, Figures)], scale: f64) -> Value {
    let mut scenarios = Map::new();
    let mut flat = Map::new();
    for (name, f) in results {
        scenarios.insert((*name).to_owned(), f.json());
        match *name {
            "rural3g" | "edge" | "cuts" | "stalls" => {
                flat.insert(format!("efficiency_{name}"), json!(f.efficiency));
            }
            "metadata" => {
                flat.insert("requests_metadata".to_owned(), json!(f.requests));
            }
            _ => {}
        }
    }
    let resent_max = results
        .iter()
        .filter_map(|(_, f)| f.resent_bytes_per_cut)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    if let Some(max) = resent_max {
        flat.insert("resent_bytes_per_cut_max".to_owned(), json!(max));
    }
    let mut out = Map::new();
    out.insert("scenarios".to_owned(), Value::Object(scenarios));
    out.extend(flat);
    out.insert("scale".to_owned(), json!(scale));
    out.insert(
        "goals".to_owned(),
        json!({
            "efficiency_rural3g": GOAL_EFFICIENCY,
            "efficiency_edge": GOAL_EFFICIENCY,
            "efficiency_cuts": GOAL_EFFICIENCY_BAD_LINK,
            "efficiency_stalls": GOAL_EFFICIENCY_BAD_LINK,
            "resent_bytes_per_cut_max": GOAL_RESENT_PER_CUT,
            "requests_metadata": GOAL_REQUESTS_METADATA,
            "overhead": GOAL_OVERHEAD,
        }),
    );
    Value::Object(out)
}
