#![allow(clippy::print_stderr, clippy::print_stdout)] // a command-line tool talks to its terminal
//! `cargo xtask`: the project's own automation, in Rust rather than shell.
//! "If `cargo xtask test` passes locally, CI is green."

mod bench;
#[cfg(target_os = "linux")]
mod bench_app;
#[cfg(target_os = "linux")]
mod bench_catalog;
mod demo_store;
mod dist;
#[cfg(target_os = "linux")]
mod dist_check;
mod flags;
mod fuzz;
#[cfg(target_os = "linux")]
mod pss;
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
        flags::Command::DemoStore { dir } => run::demo_store(&sh, &dir),
        flags::Command::Test => test::run(&sh),
        flags::Command::Dist {
            check,
            no_build,
            bundles,
            opt_level,
            prepare,
        } => {
            if !no_build {
                let options = dist::Options {
                    bundles,
                    opt_level,
                    prepare_only: prepare,
                };
                dist::run(&sh, &options)?;
            }
            if check {
                #[cfg(target_os = "linux")]
                dist_check::run(&sh)?;
                #[cfg(not(target_os = "linux"))]
                anyhow::bail!("`dist --check` checks a .deb: it runs on Linux only");
            }
            Ok(())
        }
        flags::Command::Icons => dist::icons(&sh),
        flags::Command::Torture {
            trials,
            seed,
            max_seconds,
            dev,
            jobs,
            postgres,
            database,
            s3,
            horizon,
        } => torture::run(
            &sh,
            &torture::Options {
                trials,
                seed,
                max_seconds,
                dev,
                jobs,
                postgres,
                database,
                s3,
                horizon,
            },
        ),
        flags::Command::Fuzz { seconds, target } => fuzz::run(&sh, seconds, target.as_deref()),
        flags::Command::Bench { name, args } => bench::run(&sh, name.as_deref(), &args),
    }
}

pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

#[cfg(all(test, target_os = "linux"))]
mod bench_app_tests;
#[cfg(all(test, target_os = "linux"))]
mod bench_catalog_tests;
#[cfg(test)]
mod dist_tests;
#[cfg(all(test, target_os = "linux"))]
mod pss_tests;
#[cfg(test)]
mod tests;
