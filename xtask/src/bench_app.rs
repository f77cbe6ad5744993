//! `cargo xtask bench app`, the window's figures: the real app, built with
//! `--release`, on a catalog of 10,000 listings, under Xvfb. Cold start is
//! the time from spawning the app until it writes `HANOUT_BENCH_READY_FILE`
//! (the UI calls `first_paint` once the first page of the list is drawn);
//! idle memory is the sum of `Pss` of the app and every process it started
//! (its WebKit processes) after it sat still; package sizes come from
//! `target/dist/` when `cargo xtask dist` made them. Figures, never asserted.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use xshell::{Shell, cmd};

use crate::{dist, pss, setup};

/// The goals of issue 14.
pub const GOAL_COLD_START_MS: f64 = 1000.0;
pub const GOAL_IDLE_PSS_MB: f64 = 200.0;
pub const GOAL_DEB_MB: f64 = 15.0;
pub const GOAL_APPIMAGE_MB: f64 = 90.0;

pub struct Options {
    /// Launches timed (the last one also gives the idle memory).
    pub runs: usize,
    /// How long the app sits still before its memory is read.
    pub idle_s: u64,
    /// `release` (default) or `ship` (what packages are built with: fat
    /// LTO, about 20 minutes on two cores).
    pub profile: String,
    pub listings: usize,
    /// Also the list figures (`examples/list_bench.rs`).
    pub list: bool,
}

impl Options {
    /// `--runs N`, `--idle-s S`, `--profile release|ship`, `--listings N`,
    /// `--window-only`.
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            runs: 5,
            idle_s: 10,
            profile: "release".into(),
            listings: 10_000,
            list: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .with_context(|| format!("{arg} needs a value"))
                    .cloned()
            };
            match arg.as_str() {
                "--runs" => options.runs = value()?.parse().context("--runs N")?,
                "--idle-s" => options.idle_s = value()?.parse().context("--idle-s S")?,
                "--listings" => options.listings = value()?.parse().context("--listings N")?,
                "--profile" => options.profile = value()?,
                "--window-only" => options.list = false,
                other => bail!(
                    "unknown argument {other:?} for bench app: --runs N, --idle-s S, --profile release|ship, --listings N, --window-only"
                ),
            }
        }
        if options.runs == 0 {
            bail!("--runs must be at least 1");
        }
        Ok(options)
    }
}

pub fn run(sh: &Shell, options: &Options, out: &Path) -> Result<()> {
    let listings = options.listings.to_string();
    let list = if options.list {
        // The window's list: page vs whole list (store time, IPC bytes).
        let list_out = out.with_file_name("app-list.json");
        cmd!(
            sh,
            "cargo run --release --locked -p hanout-app --example list_bench -- --out {list_out} --listings {listings}"
        )
        .run()?;
        serde_json::from_str(&sh.read_file(&list_out)?)?
    } else {
        Value::Null
    };

    // The app embeds ui/dist when built: build it from this UI first.
    setup::npm(sh)?;
    {
        let _dir = sh.push_dir("ui");
        cmd!(sh, "npm run build").run()?;
    }
    let profile = &options.profile;
    eprintln!("\n== xtask bench app: the app (profile {profile}) and its catalog");
    let built = Instant::now();
    cmd!(
        sh,
        "cargo build --locked --profile {profile} -p hanout-app --bin hanout-app --example bench_catalog"
    )
    .run()?;
    let build_s = built.elapsed().as_secs_f64();
    let bin_dir = dist::target_dir(sh)?.join(profile);
    let tmp = sh.create_temp_dir()?;
    // Copies: a target directory shared with other worktrees may see
    // another `hanout-app` built over this one while the runs go on.
    let app = tmp.path().join("hanout-app");
    let fixture = tmp.path().join("bench_catalog");
    std::fs::copy(bin_dir.join("hanout-app"), &app)?;
    std::fs::copy(bin_dir.join("examples/bench_catalog"), &fixture)?;
    let data = tmp.path().join("data");
    cmd!(sh, "{fixture} --data-dir {data} --listings {listings}").run()?;

    let xvfb = Xvfb::start(tmp.path())?;
    eprintln!("xtask bench app: Xvfb on :{}", xvfb.display);
    let ready = tmp.path().join("ready");
    let mut started_ms = Vec::new();
    let mut reported_ms = Vec::new();
    let mut idle = Vec::new();
    for i in 0..options.runs {
        let _ = std::fs::remove_file(&ready);
        let launch = Launch {
            app: &app,
            data: &data,
            ready: &ready,
            display: xvfb.display,
            home: tmp.path(),
            log: &tmp.path().join(format!("app-{i}.log")),
        };
        let spawned = Instant::now();
        let running = Running::start(&launch)?;
        let reported = wait_ready(&ready, &running, launch.log)?;
        let ms = spawned.elapsed().as_secs_f64() * 1e3;
        eprintln!(
            "xtask bench app: run {}: first paint after {ms:.0} ms (the app says {reported} ms since its process began)",
            i + 1
        );
        started_ms.push(ms);
        reported_ms.push(reported as f64);
        if i + 1 == options.runs {
            eprintln!(
                "xtask bench app: idle for {} s, then memory",
                options.idle_s
            );
            std::thread::sleep(Duration::from_secs(options.idle_s));
            idle = pss::tree(running.pid());
        }
        drop(running);
    }
    drop(xvfb);

    let idle_kib: u64 = idle.iter().map(|p| p.pss_kib).sum();
    let deb = newest_package(&sh.current_dir().join("target/dist"), ".deb");
    let appimage = newest_package(&sh.current_dir().join("target/dist"), ".AppImage");
    let size_mb = |p: &Option<(PathBuf, u64)>| p.as_ref().map(|(_, b)| *b as f64 / 1048576.0);
    let figures = Figures {
        cold_start_ms: median(&started_ms),
        cold_start_max_ms: max(&started_ms),
        idle_pss_mb: pss::mib(idle_kib),
        deb_mb: size_mb(&deb),
        appimage_mb: size_mb(&appimage),
    };
    print!("{}", table(&figures, &idle));
    if deb.is_none() || appimage.is_none() {
        eprintln!(
            "xtask bench app: package sizes are read from target/dist/, made by `cargo xtask dist` (AppImage: not on machines that cannot reach GitHub)"
        );
    }

    let report = json!({
        "cold_start_ms": round1(figures.cold_start_ms),
        "idle_pss_mb": round1(figures.idle_pss_mb),
        "deb_mb": figures.deb_mb.map(round2),
        "appimage_mb": figures.appimage_mb.map(round2),
        "units": "ms; MB are MiB (1,048,576 bytes)",
        "goals": {
            "cold_start_ms": GOAL_COLD_START_MS,
            "idle_pss_mb": GOAL_IDLE_PSS_MB,
            "deb_mb": GOAL_DEB_MB,
            "appimage_mb": GOAL_APPIMAGE_MB,
        },
        "cold_start": {
            "what": "spawn to first interactive paint (ready file written); median of the runs",
            "runs_ms": started_ms.iter().copied().map(round1).collect::<Vec<_>>(),
            "median_ms": round1(figures.cold_start_ms),
            "max_ms": round1(figures.cold_start_max_ms),
            "app_reported_ms": reported_ms,
            "app_reported_what": "the app's own age at first paint, from /proc/self/stat (10 ms steps)",
        },
        "idle": {
            "after_s": options.idle_s,
            "processes": idle.iter().map(|p| json!({
                "pid": p.pid, "name": p.name, "pss_mb": round1(pss::mib(p.pss_kib)),
            })).collect::<Vec<_>>(),
            "total_mb": round1(figures.idle_pss_mb),
        },
        "packages": {
            "deb": deb.as_ref().map(|(p, b)| json!({ "file": p, "bytes": b })),
            "appimage": appimage.as_ref().map(|(p, b)| json!({ "file": p, "bytes": b })),
        },
        "setup": {
            "profile": profile,
            "build_s": round1(build_s),
            "listings": options.listings,
            "runs": options.runs,
            "display": "Xvfb 1280x800x24, no window manager",
        },
        "list": list,
    });
    std::fs::write(out, serde_json::to_string_pretty(&report)?)?;
    eprintln!("xtask bench app: wrote {}", out.display());
    Ok(())
}

/// The four headline figures.
pub struct Figures {
    pub cold_start_ms: f64,
    pub cold_start_max_ms: f64,
    pub idle_pss_mb: f64,
    pub deb_mb: Option<f64>,
    pub appimage_mb: Option<f64>,
}

/// The figures beside their goals, then each process's memory.
pub fn table(f: &Figures, idle: &[pss::ProcessPss]) -> String {
    let verdict = |value: Option<f64>, goal: f64| match value {
        None => "not measured",
        Some(v) if v <= goal => "met",
        Some(_) => "MISSED",
    };
    let size = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.2} MB"));
    let mut out = String::new();
    out.push_str(&format!(
        "{:<34} {:>22} {:>10}  {}\n",
        "figure", "measured", "goal", ""
    ));
    let mut row = |name: &str, measured: String, goal: String, verdict: &str| {
        out.push_str(&format!(
            "{name:<34} {measured:>22} {goal:>10}  {verdict}\n"
        ));
    };
    row(
        "cold start to first paint",
        format!("{:.0} ms (max {:.0})", f.cold_start_ms, f.cold_start_max_ms),
        format!("≤ {GOAL_COLD_START_MS:.0} ms"),
        verdict(Some(f.cold_start_ms), GOAL_COLD_START_MS),
    );
    row(
        "idle memory (PSS, all processes)",
        format!("{:.1} MB", f.idle_pss_mb),
        format!("≤ {GOAL_IDLE_PSS_MB:.0} MB"),
        verdict(Some(f.idle_pss_mb), GOAL_IDLE_PSS_MB),
    );
    row(
        ".deb",
        size(f.deb_mb),
        format!("≤ {GOAL_DEB_MB:.0} MB"),
        verdict(f.deb_mb, GOAL_DEB_MB),
    );
    row(
        "AppImage",
        size(f.appimage_mb),
        format!("≤ {GOAL_APPIMAGE_MB:.0} MB"),
        verdict(f.appimage_mb, GOAL_APPIMAGE_MB),
    );
    for p in idle {
        out.push_str(&format!(
            "  {:<32} {:>22}\n",
            format!("{} ({})", p.name, p.pid),
            format!("{:.1} MB", pss::mib(p.pss_kib))
        ));
    }
    out
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The most recently made file in `dir` whose name ends in `suffix`, with its size.
fn newest_package(dir: &Path, suffix: &str) -> Option<(PathBuf, u64)> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, e.path(), meta.len()))
        })
        .max_by_key(|(modified, _, _)| *modified)
        .map(|(_, path, bytes)| (path, bytes))
}

/// Waits for the ready file and returns what the app wrote in it.
fn wait_ready(ready: &Path, running: &Running, log: &Path) -> Result<u64> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(text) = std::fs::read_to_string(ready) {
            return text
                .trim()
                .parse()
                .with_context(|| format!("{} holds {text:?}", ready.display()));
        }
        if let Some(status) = running.exited()? {
            bail!(
                "the app ended ({status}) before its first paint; its log:\n{}",
                tail(log)
            );
        }
        if Instant::now() > deadline {
            bail!(
                "no first paint within 120 s (does ui/dist call first_paint?); the app's log:\n{}",
                tail(log)
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A virtual X server on a display it picked itself (`-displayfd`),
/// killed on drop.
struct Xvfb {
    child: Child,
    display: u32,
}

impl Xvfb {
    fn start(dir: &Path) -> Result<Xvfb> {
        let log = std::fs::File::create(dir.join("xvfb.log"))?;
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .process_group(0)
            .spawn()
            .context("Xvfb (apt-get install xvfb)")?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let Some(Ok(_)) = read else {
            let _ = child.kill();
            bail!(
                "Xvfb did not say its display; see {}",
                dir.join("xvfb.log").display()
            );
        };
        let display = match line.trim().parse() {
            Ok(display) => display,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("Xvfb said {line:?} instead of a display number");
            }
        };
        Ok(Xvfb { child, display })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Launch<'a> {
    app: &'a Path,
    data: &'a Path,
    ready: &'a Path,
    display: u32,
    /// XDG directories (WebKit's caches and storage) go under here, so
    /// every run starts without them and the user's are left alone.
    home: &'a Path,
    log: &'a Path,
}

/// The app in its own process group: dropping it kills the group and any
/// descendant that left it.
struct Running {
    child: Child,
}

impl Running {
    fn start(launch: &Launch) -> Result<Running> {
        let log = std::fs::File::create(launch.log)?;
        let child = Command::new(launch.app)
            .env("DISPLAY", format!(":{}", launch.display))
            .env("HANOUT_DATA_DIR", launch.data)
            .env("HANOUT_BENCH_READY_FILE", launch.ready)
            .env("XDG_CACHE_HOME", launch.home.join("cache"))
            .env("XDG_DATA_HOME", launch.home.join("share"))
            .env("XDG_CONFIG_HOME", launch.home.join("config"))
            .env_remove("HANOUT_MARKET_URL")
            .env_remove("HANOUT_ENROLL_CODE")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("start {}", launch.app.display()))?;
        Ok(Running { child })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&self) -> Result<Option<String>> {
        // `try_wait` needs `&mut`; /proc says as much without reaping.
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()));
        Ok(match stat {
            Ok(s) if !s.contains(") Z ") => None,
            _ => Some("exited".into()),
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let pid = self.pid();
        let family = pss::family(pid, &pss::process_table());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
        for other in family.iter().skip(1) {
            let _ = Command::new("kill")
                .args(["-KILL", &other.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.wait();
        // WebKit's processes were children of the app: wait until they are gone.
        let deadline = Instant::now() + Duration::from_secs(5);
        while family
            .iter()
            .skip(1)
            .any(|p| Path::new(&format!("/proc/{p}")).exists())
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
