//! `cargo xtask bench catalog`: buyers against a catalog of 100,000
//! listings from 500 cooperatives on the real `hanout-market` (issue 16).
//! The work is `crates/market/benches/catalog/` (a `cargo bench` target:
//! it links the market to generate the catalog and `test-support` for
//! PostgreSQL); this checks the arguments before the build, passes them
//! on, and prints the JSON it wrote beside the goals. Figures, never
//! asserted.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

/// The goals of issue 16, on 2 cores.
pub const GOAL_PAGES_PER_S: f64 = 2000.0;
pub const GOAL_PAGE_P99_MS: f64 = 20.0;
pub const GOAL_SEARCH_P99_MS: f64 = 50.0;

#[derive(Debug)]
pub struct Options {
    pub listings: usize,
    pub cooperatives: usize,
    /// `sqlite`, `postgres`, or both in this order.
    pub engines: Vec<String>,
    pub seconds: f64,
    pub connections: usize,
    /// The buyers' `Accept-Encoding`; `None`: a browser's.
    pub accept_encoding: Option<String>,
}

impl Options {
    /// `--listings N`, `--cooperatives N`, `--engine sqlite|postgres|both`,
    /// `--seconds S`, `--connections N`, `--accept-encoding gzip|br|identity|…`.
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            listings: 100_000,
            cooperatives: 500,
            engines: vec!["sqlite".into()],
            seconds: 10.0,
            connections: 32,
            accept_encoding: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .with_context(|| format!("{arg} needs a value"))
                    .cloned()
            };
            match arg.as_str() {
                "--listings" => options.listings = value()?.parse().context("--listings N")?,
                "--cooperatives" => {
                    options.cooperatives = value()?.parse().context("--cooperatives N")?;
                }
                "--seconds" => options.seconds = value()?.parse().context("--seconds S")?,
                "--connections" => {
                    options.connections = value()?.parse().context("--connections N")?;
                }
                "--accept-encoding" => options.accept_encoding = Some(value()?),
                "--engine" => {
                    options.engines = match value()?.as_str() {
                        "sqlite" => vec!["sqlite".into()],
                        "postgres" => vec!["postgres".into()],
                        "both" => vec!["sqlite".into(), "postgres".into()],
                        other => bail!("--engine {other:?}: sqlite, postgres or both"),
                    }
                }
                other => bail!(
                    "unknown argument {other:?} for bench catalog: --listings N, --cooperatives N, --engine sqlite|postgres|both, --seconds S, --connections N, --accept-encoding E"
                ),
            }
        }
        if options.cooperatives == 0 || options.listings < options.cooperatives {
            bail!("--listings must be at least --cooperatives, which is at least 1");
        }
        if options.connections == 0 || options.seconds.is_nan() || options.seconds <= 0.0 {
            bail!("--connections and --seconds must be more than 0");
        }
        Ok(options)
    }

    /// The bench binary's arguments.
    fn bench_args(&self) -> Vec<String> {
        let mut args = vec![
            "--listings".to_owned(),
            self.listings.to_string(),
            "--cooperatives".to_owned(),
            self.cooperatives.to_string(),
            "--seconds".to_owned(),
            self.seconds.to_string(),
            "--connections".to_owned(),
            self.connections.to_string(),
        ];
        if let Some(encoding) = &self.accept_encoding {
            args.push("--accept-encoding".to_owned());
            args.push(encoding.clone());
        }
        for engine in &self.engines {
            args.push("--engine".to_owned());
            args.push(engine.clone());
        }
        args
    }
}

pub fn run(sh: &Shell, options: &Options, out: &Path) -> Result<()> {
    // Absolute: `cargo bench` runs the binary in the package's directory.
    let cache = sh.current_dir().join("target/bench/catalog-cache");
    let args = options.bench_args();
    cmd!(
        sh,
        "cargo bench --locked -p market --bench catalog -- --out {out} --cache {cache} {args...}"
    )
    .run()?;
    let report: Value = serde_json::from_str(&sh.read_file(out)?)
        .with_context(|| format!("{} is not the bench's JSON", out.display()))?;
    println!("\n{}", table(&report));
    Ok(())
}

/// The figures of each engine beside the goals.
pub fn table(report: &Value) -> String {
    let mut text = format!(
        "catalog: {} listings of {} cooperatives, {} connections, {} s a phase, Accept-Encoding {}; {} cores ({})\n",
        report["listings"],
        report["cooperatives"],
        report["connections"],
        report["seconds_per_phase"],
        report["accept_encoding"].as_str().unwrap_or("?"),
        report["machine"]["cores"],
        report["machine"]["cpu"].as_str().unwrap_or("?"),
    );
    let Some(engines) = report["engines"].as_object() else {
        return text + "no figures\n";
    };
    for (engine, f) in engines {
        let number = |key: &str| f[key].as_f64().unwrap_or(f64::NAN);
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        let pages = number("pages_per_s");
        let page_p99 = number("page_p99_ms");
        let search_p99 = number("search_p99_ms");
        let rows = [
            (
                "listing pages",
                format!("{pages:.0} /s"),
                format!("≥ {GOAL_PAGES_PER_S:.0} /s"),
                verdict(pages >= GOAL_PAGES_PER_S),
            ),
            (
                "listing page p99",
                format!("{page_p99:.1} ms (p50 {:.1})", number("page_p50_ms")),
                format!("≤ {GOAL_PAGE_P99_MS:.0} ms"),
                verdict(page_p99 <= GOAL_PAGE_P99_MS),
            ),
            (
                "search p99",
                format!("{search_p99:.1} ms (p50 {:.1})", number("search_p50_ms")),
                format!("≤ {GOAL_SEARCH_P99_MS:.0} ms"),
                verdict(search_p99 <= GOAL_SEARCH_P99_MS),
            ),
            (
                "Google feed, server peak RSS",
                format!("{:.1} MB", number("feed_peak_rss_mb")),
                "streamed".to_owned(),
                // The feed's own size, to compare with.
                "",
            ),
        ];
        text.push_str(&format!("{engine}\n"));
        for (label, value, goal, verdict) in rows {
            text.push_str(&format!(
                "  {label:<30} {value:>24}  {goal:<10} {verdict}\n"
            ));
        }
        text.push_str(&format!(
            "  (feed: {} items, {:.1} MB, {:.1} s; RSS {:.1} MB before it)\n",
            f["feed_items"],
            number("feed_bytes") / 1e6,
            number("feed_seconds"),
            number("feed_rss_before_mb"),
        ));
    }
    text
}
