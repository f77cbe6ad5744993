use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Hanout's build, run and test tasks")]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install what is missing: apt packages (as root), npm packages, tauri-driver.
    Setup,
    /// Regenerate ui/src/bindings.ts from the Rust commands and events.
    Codegen,
    /// Build, start a local marketplace with a demo cooperative, open the app on it.
    Run,
    /// Fill DIR (no catalog there yet) with the app's demo shop, as `run`
    /// does on a first run: 32 listings, live, waiting and one rejected.
    /// A relative DIR is under the project's root.
    DemoStore { dir: std::path::PathBuf },
    /// Everything CI runs: fmt, clippy, Rust tests, UI checks and tests, end-to-end tests.
    Test,
    /// Installable packages into target/dist/ (Linux: .deb and .rpm), release
    /// profile `ship` (LTO, stripped); `--check` then inspects and runs the .deb.
    Dist {
        /// Check the .deb in target/dist/: its Depends, its files, and the
        /// installed `hanout` and app run from a fresh root.
        #[arg(long)]
        check: bool,
        /// Check what target/dist/ holds without building it again.
        #[arg(long, requires = "check")]
        no_build: bool,
        /// Which bundles, comma-separated (Linux default: deb,rpm).
        #[arg(long)]
        bundles: Option<String>,
        /// Only build ui/dist and the `hanout` sidecar, for tauri-action in CI
        /// (and export the `ship` profile's settings to `$GITHUB_ENV`).
        #[arg(long, conflicts_with = "check")]
        prepare: bool,
        /// Build at another opt-level than the profile's, to compare sizes.
        #[arg(long)]
        opt_level: Option<String>,
    },
    /// Regenerate assets/icons/ from assets/icon.svg (`tauri icon`).
    Icons,
    /// Kill-and-cut trials: a marketplace and two laptops under a random workload and faults,
    /// then the invariants checked; figures in target/bench/torture.json.
    Torture {
        #[arg(long, default_value_t = 20)]
        trials: u64,
        /// The first trial's seed (trial i uses seed + i).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Start no new trial after this many seconds.
        #[arg(long)]
        max_seconds: Option<u64>,
        /// Use the debug build (what `cargo xtask test` already built) instead of a release build.
        #[arg(long)]
        dev: bool,
        /// Trials run at once.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// The marketplaces keep their databases in a throwaway PostgreSQL server.
        #[arg(long)]
        postgres: bool,
        /// …or in this PostgreSQL server (postgres://USER@HOST:PORT/DB; a database per trial).
        #[arg(long, conflicts_with = "postgres")]
        database: Option<String>,
        /// The marketplaces keep their photos in buckets of a throwaway S3 server (s3rver).
        #[arg(long)]
        s3: bool,
        /// The 30-day offline horizon instead of the trials; figures in target/bench/torture-horizon.json.
        #[arg(long)]
        horizon: bool,
    },
    /// Fuzz targets of `fuzz/` (nightly, `cargo fuzz`), one after the other; not run in CI.
    Fuzz {
        /// How long each target runs.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        /// Only this target: protocol_json, tus_headers or photo_import.
        target: Option<String>,
    },
    /// Benchmarks (release builds): store, photos, market, sync, app, catalog; all when none is named.
    Bench {
        name: Option<String>,
        /// Passed on to the benchmark, e.g. `sync --scale 0.1 --scenario cuts`,
        /// `catalog --listings 2000 --seconds 2 --engine both`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}
