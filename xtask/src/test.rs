use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::setup;

pub fn run(sh: &Shell) -> Result<()> {
    setup::run(sh)?;
    step("rustfmt");
    cmd!(sh, "cargo fmt --all -- --check")
        .run()
        .context("cargo fmt: run `cargo fmt --all`")?;

    step("ui: type check, unit tests, build");
    {
        let _dir = sh.push_dir("ui");
        cmd!(sh, "npm run check").run()?;
        cmd!(sh, "npm test").run()?;
        cmd!(sh, "npm run build").run()?;
    }

    step("clippy");
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --locked -- -D warnings"
    )
    .run()?;

    step("build the app for the end-to-end tests");
    cmd!(sh, "cargo build --locked -p hanout-app -p market").run()?;

    step("all Rust tests (end-to-end ones under Xvfb)");
    cmd!(
        sh,
        "xvfb-run -a -s {XVFB_SCREEN} cargo test --workspace --locked"
    )
    .run()?;

    // A short fixed set of kill-and-cut trials on the debug build (a
    // regression in the guarantees fails the build; the long run is
    // `cargo xtask torture --trials 1000`).
    step("torture: trials of seeds 1-3");
    crate::torture::run(sh, 3, 1, Some(600), true)?;
    Ok(())
}

const XVFB_SCREEN: &str = "-screen 0 1280x800x24";

pub fn codegen(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo test -p hanout-app --test bindings")
        .env("UPDATE_BINDINGS", "1")
        .run()?;
    Ok(())
}

fn step(name: &str) {
    eprintln!("\n== xtask test: {name}");
}
