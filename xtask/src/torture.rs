use anyhow::Result;
use xshell::{Shell, cmd};

/// What `cargo xtask torture` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub trials: u64,
    pub seed: u64,
    pub max_seconds: Option<u64>,
    /// The debug build instead of a release build.
    pub dev: bool,
    /// Trials run at once.
    pub jobs: usize,
    /// A throwaway PostgreSQL server for the marketplaces' databases.
    pub postgres: bool,
    /// …or this one.
    pub database: Option<String>,
    /// A throwaway S3 server (s3rver) for their photos.
    pub s3: bool,
    /// The 30-day offline horizon instead of the trials.
    pub horizon: bool,
}

impl Options {
    /// `trials` trials from `seed` on the debug build, one at a time, on
    /// SQLite and disk.
    pub fn dev(trials: u64, seed: u64) -> Options {
        Options {
            trials,
            seed,
            max_seconds: None,
            dev: true,
            jobs: 1,
            postgres: false,
            database: None,
            s3: false,
            horizon: false,
        }
    }
}

/// `cargo xtask torture [--trials N] [--seed S] [--jobs J] [--postgres |
/// --database URL] [--s3] [--horizon]`: builds `hanout`, `hanout-market`
/// and `hanout-torture` (release, or the debug build with `--dev`), then
/// runs the trials; figures printed and written to
/// `target/bench/torture.json` (`torture-horizon.json` for the horizon),
/// failing trials' data kept in `target/torture/trial-SEED/`.
pub fn run(sh: &Shell, o: &Options) -> Result<()> {
    let profile: &[&str] = if o.dev { &[] } else { &["--release"] };
    cmd!(
        sh,
        "cargo build --locked {profile...} -p cli --bin hanout -p market --bin hanout-market -p torture --bin hanout-torture"
    )
    .run()?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| sh.current_dir().join("target"));
    let bins = target.join(if o.dev { "debug" } else { "release" });
    let root = sh.current_dir();
    let work = root.join("target/torture");
    let out = root.join(if o.horizon {
        "target/bench/torture-horizon.json"
    } else {
        "target/bench/torture.json"
    });
    let torture = bins.join("hanout-torture");
    let (trials, seed, jobs) = (o.trials.to_string(), o.seed.to_string(), o.jobs.to_string());
    let mut extra: Vec<String> = Vec::new();
    if let Some(s) = o.max_seconds {
        extra.extend(["--max-seconds".to_owned(), s.to_string()]);
    }
    if o.postgres {
        extra.push("--postgres".to_owned());
    }
    if let Some(url) = &o.database {
        extra.extend(["--database".to_owned(), url.clone()]);
    }
    if o.s3 {
        let npm = root.join("crates/market/tests/s3rver");
        extra.extend(["--s3".to_owned(), npm.display().to_string()]);
    }
    if o.horizon {
        extra.push("--horizon".to_owned());
    }
    let mut replay = String::from("cargo xtask torture");
    for (on, flag) in [
        (o.dev, " --dev"),
        (o.postgres, " --postgres"),
        (o.s3, " --s3"),
    ] {
        if on {
            replay.push_str(flag);
        }
    }
    cmd!(
        sh,
        "{torture} --trials {trials} --seed {seed} --jobs {jobs} --bin-dir {bins} --work {work} --out {out} --replay {replay} {extra...}"
    )
    .run()?;
    Ok(())
}
