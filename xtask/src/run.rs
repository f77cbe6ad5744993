use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::{demo_store, setup};

const MARKET_ADDR: &str = "127.0.0.1:7878";

/// Builds everything, starts a local marketplace with the demo cooperative
/// `atlas` and its catalog (`hanout-market demo`), fills the app's catalog
/// with the demo shop on a first run (see `demo_store`), and opens the app
/// pointed at them.
pub fn run(sh: &Shell) -> Result<()> {
    setup::run(sh)?;
    {
        let _dir = sh.push_dir("ui");
        cmd!(sh, "npm run build").run()?;
    }
    cmd!(sh, "cargo build -p hanout-app -p market").run()?;

    let target = target_dir(sh);
    let market_bin = target.join("debug/hanout-market");
    let app_bin = target.join("debug/hanout-app");
    let dev = sh.current_dir().join("target/dev");
    let market_data = dev.join("market-data");
    let app_data = dev.join("app-data");

    // `demo` prints the code last (after filling the catalog, once).
    let demo = cmd!(sh, "{market_bin} --data {market_data} demo")
        .read()
        .context("hanout-market demo")?;
    let code = demo.lines().last().unwrap_or_default().to_owned();
    let mut market = start_market(&market_bin, &market_data)?;
    eprintln!(
        "xtask: marketplace on http://{MARKET_ADDR} (public catalog: http://{MARKET_ADDR}/), enrollment code {code}"
    );

    if demo_store::is_empty(&app_data)
        && let Err(err) = fill_app(sh, &market_bin, &market_data, &app_data)
    {
        let _ = market.kill();
        let _ = market.wait();
        return Err(err);
    }

    let status = Command::new(&app_bin)
        .env("HANOUT_DATA_DIR", &app_data)
        .env("HANOUT_MARKET_URL", format!("http://{MARKET_ADDR}"))
        .env("HANOUT_ENROLL_CODE", code.trim())
        .status()
        .context("start hanout-app");
    let _ = market.kill();
    let _ = market.wait();
    status?;
    Ok(())
}

/// `cargo xtask demo-store DIR`: what `run` does to the app's catalog on a
/// first run, into DIR (which must hold no catalog), against the
/// marketplace of `run` (target/dev/market-data), without the window.
pub fn demo_store(sh: &Shell, app_data: &Path) -> Result<()> {
    cmd!(sh, "cargo build -p market").run()?;
    let market_bin = target_dir(sh).join("debug/hanout-market");
    let market_data = sh.current_dir().join("target/dev/market-data");
    cmd!(sh, "{market_bin} --data {market_data} demo")
        .ignore_stdout()
        .run()
        .context("hanout-market demo")?;
    let mut market = start_market(&market_bin, &market_data)?;
    let filled = fill_app(sh, &market_bin, &market_data, app_data);
    let _ = market.kill();
    let _ = market.wait();
    filled
}

/// `hanout-market serve` on [`MARKET_ADDR`], once it listens.
fn start_market(market_bin: &Path, market_data: &Path) -> Result<std::process::Child> {
    let mut market = Command::new(market_bin)
        .args([
            "--data".as_ref(),
            market_data.as_os_str(),
            "serve".as_ref(),
            "--listen".as_ref(),
            MARKET_ADDR.as_ref(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .context("start hanout-market")?;
    let stdout = market.stdout.take().context("market stdout")?;
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first)?;
    if !first.contains("listening on") {
        let _ = market.kill();
        let _ = market.wait();
        bail!("hanout-market did not start: {first}");
    }
    Ok(market)
}

/// The app's first run: its catalog filled with the demo shop, a
/// cooperative of its own on the marketplace (see `demo_store`).
fn fill_app(sh: &Shell, market_bin: &Path, market_data: &Path, app_data: &Path) -> Result<()> {
    let (slug, name) = (demo_store::SHOP_SLUG, demo_store::SHOP_NAME);
    // Added by an earlier run whose app data was removed since: fine.
    let _ = cmd!(
        sh,
        "{market_bin} --data {market_data} coop add --slug {slug} --name {name}"
    )
    .quiet()
    .ignore_stderr()
    .run();
    let code = cmd!(sh, "{market_bin} --data {market_data} device code {slug}")
        .read()
        .context("hanout-market device code")?;
    let filled = demo_store::fill(
        app_data,
        &format!("http://{MARKET_ADDR}"),
        code.trim(),
        |listing, reason| {
            let listing = listing.to_string();
            cmd!(
                sh,
                "{market_bin} --data {market_data} listing reject {listing} --reason {reason}"
            )
            .quiet()
            .ignore_stdout()
            .run()?;
            Ok(())
        },
    )?;
    eprintln!(
        "xtask: the app's catalog holds the {} demo products: one rejected, {} waiting, the rest live",
        filled.listings,
        filled.waiting.len()
    );
    Ok(())
}

fn target_dir(sh: &Shell) -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => dir.into(),
        None => sh.current_dir().join("target"),
    }
}
