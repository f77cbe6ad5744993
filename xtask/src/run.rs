use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::setup;

const MARKET_ADDR: &str = "127.0.0.1:7878";

/// Builds everything, starts a local marketplace with the demo cooperative
/// and an enrollment code, and opens the app pointed at it.
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

    let code = cmd!(sh, "{market_bin} --data {market_data} demo")
        .read()
        .context("hanout-market demo")?;
    let mut market = Command::new(&market_bin)
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
        bail!("hanout-market did not start: {first}");
    }
    eprintln!(
        "xtask: marketplace on http://{MARKET_ADDR} (public catalog: http://{MARKET_ADDR}/), enrollment code {code}"
    );

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

fn target_dir(sh: &Shell) -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => dir.into(),
        None => sh.current_dir().join("target"),
    }
}
