//! `hanout-market`: the marketplace server's command line. Boots only; the
//! commands live in `cli.rs`, the server in the `market` library.

mod cli;
mod cli_operator;
mod cli_release;

fn main() -> anyhow::Result<()> {
    cli::run(<cli::Cli as clap::Parser>::parse())
}
