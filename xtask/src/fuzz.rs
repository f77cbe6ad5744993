use anyhow::Result;
use xshell::{Shell, cmd};

/// The targets of `fuzz/fuzz_targets/`, in the order they run.
pub const TARGETS: [&str; 3] = ["protocol_json", "tus_headers", "photo_import"];

/// `cargo xtask fuzz [--seconds N] [TARGET]`: each target (or the one
/// named) for `seconds` with `cargo +nightly fuzz`, one after the other,
/// niced, from `fuzz/seeds/TARGET` plus what earlier runs left in
/// `fuzz/corpus/TARGET`. A crash stops the run and is saved under
/// `fuzz/artifacts/TARGET/`.
pub fn run(sh: &Shell, seconds: u64, target: Option<&str>) -> Result<()> {
    let targets: Vec<&str> = match target {
        Some(name) if TARGETS.contains(&name) => vec![name],
        Some(name) => anyhow::bail!("no fuzz target `{name}` — one of {}", TARGETS.join(", ")),
        None => TARGETS.to_vec(),
    };
    sh.change_dir("fuzz");
    let time = format!("-max_total_time={seconds}");
    for target in targets {
        let corpus = format!("corpus/{target}");
        let seeds = format!("seeds/{target}");
        sh.create_dir(&corpus)?;
        cmd!(
            sh,
            "nice -n 10 cargo +nightly fuzz run {target} {corpus} {seeds} -- {time} -rss_limit_mb=2048"
        )
        .run()?;
    }
    Ok(())
}
