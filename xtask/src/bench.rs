use anyhow::{Result, bail};
use xshell::{Shell, cmd};

/// `cargo xtask bench [store|photos|market|app]`: release builds of each
/// bench binary, figures printed and written to `target/bench/<name>.json`.
pub fn run(sh: &Shell, which: Option<&str>) -> Result<()> {
    let all = ["store", "photos", "market", "app"];
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
            // The window's list with 10,000 listings: page vs whole list.
            cmd!(
                sh,
                "cargo run --release --locked -p hanout-app --example list_bench -- --out {out}"
            )
            .run()?;
        } else if name == "market" {
            // A `cargo bench` target, so it can start PostgreSQL with the
            // test fixtures (dev-dependencies).
            cmd!(
                sh,
                "cargo bench --locked -p market --bench market -- --out {out}"
            )
            .run()?;
        } else {
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
