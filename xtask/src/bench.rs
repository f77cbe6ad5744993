use anyhow::{Result, bail};
use xshell::{Shell, cmd};

#[cfg(target_os = "linux")]
use crate::{bench_app, bench_catalog};

/// `cargo xtask bench [store|photos|market|sync|app|catalog] [ARGS…]`: release
/// builds of each bench binary, figures printed and written to
/// `target/bench/<name>.json`. `ARGS` go to the one benchmark named.
pub fn run(sh: &Shell, which: Option<&str>, args: &[String]) -> Result<()> {
    let all = ["store", "photos", "market", "sync", "app", "catalog"];
    if which.is_none() && !args.is_empty() {
        bail!("name the benchmark the arguments {args:?} are for");
    }
    let selected: Vec<&str> = match which {
        None => all.to_vec(),
        Some(name) if all.contains(&name) => vec![name],
        Some(other) => bail!("unknown benchmark {other:?}; pick one of {all:?}"),
    };
    sh.create_dir("target/bench")?;
    for name in selected {
        // Absolute: `cargo bench` runs the binary in the package's directory.
        let out = sh.current_dir().join(format!("target/bench/{name}.json"));
        eprintln!("\n== xtask bench {name}");
        if name == "app" {
            // The window's list with 10,000 listings (page vs whole list),
            // then the window itself: cold start, idle memory, packages.
            #[cfg(target_os = "linux")]
            bench_app::run(sh, &bench_app::Options::parse(args)?, &out)?;
            // The window's figures need Xvfb and /proc: elsewhere, the list only.
            #[cfg(not(target_os = "linux"))]
            cmd!(
                sh,
                "cargo run --release --locked -p hanout-app --example list_bench -- --out {out} {args...}"
            )
            .run()?;
        } else if name == "catalog" {
            // The real server's process: its memory is read from /proc.
            #[cfg(target_os = "linux")]
            bench_catalog::run(sh, &bench_catalog::Options::parse(args)?, &out)?;
            #[cfg(not(target_os = "linux"))]
            bail!("the catalog benchmark reads the server's memory from /proc: Linux only");
        } else if name == "market" || name == "sync" {
            // `cargo bench` targets, so they can use the test fixtures
            // (dev-dependencies): PostgreSQL, the market, the link shaper.
            cmd!(
                sh,
                "cargo bench --locked -p {name} --bench {name} -- --out {out} {args...}"
            )
            .run()?;
        } else {
            if !args.is_empty() {
                bail!("the {name} benchmark takes no arguments");
            }
            let bin = format!("{name}-bench");
            cmd!(
                sh,
                "cargo run --release --locked -p {name} --bin {bin} -- --out {out}"
            )
            .run()?;
        }
    }
    Ok(())
}
