#![allow(clippy::print_stderr, clippy::print_stdout)] // a command-line tool talks to its terminal
//! `cargo xtask`: the project's own automation, in Rust rather than shell.
//! "If `cargo xtask test` passes locally, CI is green."

mod bench;
mod flags;
mod run;
mod setup;
mod test;
mod torture;

use anyhow::Result;
use clap::Parser;

fn main() -> Result<()> {
    let flags = flags::Xtask::parse();
    let sh = xshell::Shell::new()?;
    sh.change_dir(project_root());
    match flags.command {
        flags::Command::Setup => setup::run(&sh),
        flags::Command::Codegen => test::codegen(&sh),
        flags::Command::Run => run::run(&sh),
        flags::Command::Test => test::run(&sh),
        flags::Command::Torture {
            trials,
            seed,
            max_seconds,
            dev,
        } => torture::run(&sh, trials, seed, max_seconds, dev),
        flags::Command::Bench { name, args } => bench::run(&sh, name.as_deref(), &args),
    }
}

pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

#[cfg(test)]
mod tests;
