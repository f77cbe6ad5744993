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
    /// Everything CI runs: fmt, clippy, Rust tests, UI checks and tests, end-to-end tests.
    Test,
    /// Benchmarks (release builds): store, photos, market, sync, app; all when none is named.
    Bench {
        name: Option<String>,
        /// Passed on to the benchmark, e.g. `sync --scale 0.1 --scenario cuts`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}
