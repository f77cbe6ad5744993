use anyhow::Result;
use xshell::{Shell, cmd};

/// `cargo xtask torture [--trials N] [--seed S]`: builds `hanout`,
/// `hanout-market` and `hanout-torture` (release, or the debug build with
/// `--dev`), then runs the trials; figures printed and written to
/// `target/bench/torture.json`, failing trials' data kept in
/// `target/torture/trial-SEED/`.
pub fn run(sh: &Shell, trials: u64, seed: u64, max_seconds: Option<u64>, dev: bool) -> Result<()> {
    let profile: &[&str] = if dev { &[] } else { &["--release"] };
    cmd!(
        sh,
        "cargo build --locked {profile...} -p cli --bin hanout -p market --bin hanout-market -p torture --bin hanout-torture"
    )
    .run()?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| sh.current_dir().join("target"));
    let bins = target.join(if dev { "debug" } else { "release" });
    let root = sh.current_dir();
    let work = root.join("target/torture");
    let out = root.join("target/bench/torture.json");
    let torture = bins.join("hanout-torture");
    let (trials, seed) = (trials.to_string(), seed.to_string());
    let limit: Vec<String> = max_seconds
        .map(|s| vec!["--max-seconds".to_owned(), s.to_string()])
        .unwrap_or_default();
    let replay = if dev {
        "cargo xtask torture --dev"
    } else {
        "cargo xtask torture"
    };
    cmd!(
        sh,
        "{torture} --trials {trials} --seed {seed} --bin-dir {bins} --work {work} --out {out} --replay {replay} {limit...}"
    )
    .run()?;
    Ok(())
}
