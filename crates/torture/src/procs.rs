//! The real processes: `hanout-market serve`, `hanout sync --watch` and
//! the `hanout` commands of the workload.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use tokio::process::{Child, Command};

#[derive(Debug, Clone)]
pub struct Bins {
    pub hanout: PathBuf,
    pub market: PathBuf,
}

impl Bins {
    pub fn at(dir: &Path) -> Result<Bins> {
        let bins = Bins {
            hanout: dir.join("hanout"),
            market: dir.join("hanout-market"),
        };
        for b in [&bins.hanout, &bins.market] {
            if !b.exists() {
                bail!("{} is missing: build it first", b.display());
            }
        }
        Ok(bins)
    }
}

/// What this machine allows.
#[derive(Debug, Clone)]
pub struct Env {
    /// libfaketime, to run a laptop's processes with their clock an hour
    /// back (`LD_PRELOAD`; the monotonic clock is left alone).
    pub faketime: Option<PathBuf>,
    /// A small tmpfs can be mounted for the marketplace's data: the full
    /// disk fault fills it.
    pub tmpfs: bool,
}

impl Env {
    pub fn detect(work: &Path) -> Env {
        let faketime = [
            "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
            "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
            "/usr/lib/faketime/libfaketime.so.1",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
        let probe = work.join("tmpfs-probe");
        let _ = std::fs::create_dir_all(&probe);
        let tmpfs = mount_tmpfs(&probe, 1).is_ok() && unmount(&probe).is_ok();
        let _ = std::fs::remove_dir(&probe);
        Env { faketime, tmpfs }
    }
}

pub fn mount_tmpfs(dir: &Path, mib: u64) -> Result<()> {
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("mount tmpfs failed");
    }
    Ok(())
}

pub fn unmount(dir: &Path) -> Result<()> {
    let status = std::process::Command::new("umount")
        .arg(dir)
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("umount {} failed", dir.display());
    }
    Ok(())
}

/// Where a trial's marketplace keeps its database and its photos.
#[derive(Debug, Clone, Default)]
pub struct Backing {
    /// A PostgreSQL database of its own; none: `<data>/market.db`.
    pub database: Option<String>,
    /// An S3 bucket of its own for the photos (and the upload chunks);
    /// none: `<data>/blobs`.
    pub bucket: Option<Bucket>,
}

/// A bucket on an S3-compatible server.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub endpoint: String,
    pub name: String,
    pub key: String,
}

impl Bucket {
    /// As `hanout-market serve --blobs` takes it.
    pub fn url(&self) -> String {
        format!(
            "s3://{}?endpoint={}&region=us-east-1",
            self.name, self.endpoint
        )
    }
}

/// A `hanout-market` process, killable and restartable on the same port.
pub struct Market {
    bins: Bins,
    pub data: PathBuf,
    pub backing: Backing,
    pub addr: SocketAddr,
    child: Option<Child>,
}

impl Market {
    pub fn new(bins: &Bins, data: &Path, backing: Backing) -> Result<Market> {
        std::fs::create_dir_all(data)?;
        Ok(Market {
            bins: bins.clone(),
            data: data.to_owned(),
            backing,
            addr: test_support::free_addr(),
            child: None,
        })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bins.market);
        cmd.arg("--data").arg(&self.data);
        if let Some(url) = &self.backing.database {
            cmd.args(["--database", url]);
        }
        cmd
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An admin command on the same data; its stdout.
    pub async fn admin(&self, args: &[&str]) -> Result<String> {
        let out = self.command().args(args).output().await?;
        if !out.status.success() {
            bail!(
                "hanout-market {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    pub async fn start(&mut self) -> Result<()> {
        self.start_with(false).await
    }

    /// Starts it with a clean-up pass every second (expired uploads go).
    pub async fn start_cleaning(&mut self) -> Result<()> {
        self.start_with(true).await
    }

    async fn start_with(&mut self, cleaning: bool) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.parent().unwrap_or(&self.data).join("market.log"))?;
        let mut cmd = self.command();
        cmd.args(["serve", "--listen", &self.addr.to_string()])
            .env(
                "RUST_LOG",
                std::env::var("TORTURE_MARKET_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        if let Some(bucket) = &self.backing.bucket {
            cmd.args(["--blobs", &bucket.url()])
                .env("AWS_ACCESS_KEY_ID", &bucket.key)
                .env("AWS_SECRET_ACCESS_KEY", &bucket.key);
        }
        if cleaning {
            cmd.args(["--cleanup-every-s", "1"]);
        }
        let child = cmd.spawn()?;
        self.child = Some(child);
        let client = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client
                .get(format!("{}/healthz", self.url()))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Some(child) = &mut self.child
                && let Some(status) = child.try_wait()?
            {
                bail!("hanout-market exited at start: {status}");
            }
            if Instant::now() > until {
                bail!("hanout-market did not answer /healthz within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }
}

/// One laptop: its data directory, its `sync --watch` process, and the
/// `hanout` commands run on it.
pub struct Laptop {
    pub name: &'static str,
    pub dir: PathBuf,
    bins: Bins,
    faketime: Option<PathBuf>,
    /// Its processes run with the clock an hour back.
    pub clock_back: AtomicBool,
    /// Its processes run with the clock this far off (libfaketime's
    /// `FAKETIME`, e.g. `-30d`); wins over `clock_back`.
    pub clock_offset: Mutex<Option<String>>,
    watcher: Mutex<Option<Child>>,
}

/// How a command ended.
pub enum Ran {
    /// Exit 0 or 1, with its JSON document.
    Done(Value),
    /// Exit 2, with the error's kind and message.
    Refused(String, String),
    /// Killed with SIGKILL before it ended.
    Killed,
}

impl Laptop {
    pub fn new(name: &'static str, dir: &Path, bins: &Bins, env: &Env) -> Result<Laptop> {
        std::fs::create_dir_all(dir)?;
        Ok(Laptop {
            name,
            dir: dir.to_owned(),
            bins: bins.clone(),
            faketime: env.faketime.clone(),
            clock_back: AtomicBool::new(false),
            clock_offset: Mutex::new(None),
            watcher: Mutex::new(None),
        })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bins.hanout);
        cmd.arg("--data-dir")
            .arg(&self.dir)
            .args(["--json", "--lang", "en"])
            .env("HANOUT_LOG", "warn")
            .kill_on_drop(true);
        let offset = self
            .clock_offset
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .or_else(|| {
                self.clock_back
                    .load(Ordering::SeqCst)
                    .then(|| "-1h".to_owned())
            });
        if let (Some(offset), Some(lib)) = (offset, &self.faketime) {
            cmd.env("LD_PRELOAD", lib)
                .env("FAKETIME", offset)
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        cmd
    }

    /// Runs a command to its end, waiting while another process holds
    /// the catalog (the watcher, mid-pass).
    pub async fn run(&self, args: &[String]) -> Result<Ran> {
        self.run_or_kill(args, None).await
    }

    /// Like [`Laptop::run`], but `kill -9` it after `kill_after` (if it is
    /// still running then).
    pub async fn run_or_kill(&self, args: &[String], kill_after: Option<Duration>) -> Result<Ran> {
        let until = Instant::now() + Duration::from_secs(180);
        loop {
            let mut child = self
                .command()
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()?;
            let mut stdout = child.stdout.take().context("stdout")?;
            let mut stderr = child.stderr.take().context("stderr")?;
            let read = async {
                use tokio::io::AsyncReadExt;
                let mut out = Vec::new();
                let mut err = Vec::new();
                let _ = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
                (out, err)
            };
            let finished = match kill_after {
                Some(after) => {
                    tokio::select! {
                        r = async { let io = read.await; (io, child.wait().await) } => Some(r),
                        () = tokio::time::sleep(after) => None,
                    }
                }
                None => {
                    let io = read.await;
                    Some((io, child.wait().await))
                }
            };
            let Some(((out, err), status)) = finished else {
                let _ = child.start_kill();
                let _ = child.wait().await;
                return Ok(Ran::Killed);
            };
            let status = status?;
            let text = String::from_utf8_lossy(&out);
            let doc: Value = serde_json::from_str(text.trim()).map_err(|_| {
                anyhow!(
                    "hanout {args:?} ({status}) printed no JSON: {text} / {}",
                    String::from_utf8_lossy(&err)
                )
            })?;
            if status.code() == Some(0) || status.code() == Some(1) {
                return Ok(Ran::Done(doc));
            }
            let kind = doc["error"]["kind"].as_str().unwrap_or("?").to_owned();
            let message = doc["error"]["message"].as_str().unwrap_or("").to_owned();
            if kind == "locked" && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(40)).await;
                continue;
            }
            return Ok(Ran::Refused(kind, message));
        }
    }

    /// `hanout peer share --once` on loopback, waiting while the catalog is
    /// held: the child, and the address and code it shows (`None`: it
    /// refused for another reason).
    pub async fn share_once(&self) -> Result<Option<(tokio::process::Child, String, String)>> {
        use tokio::io::AsyncBufReadExt;
        let until = Instant::now() + Duration::from_secs(180);
        loop {
            let mut child = self
                .command()
                .args(["peer", "share", "--once", "--no-mdns", "--port", "0"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()?;
            let stdout = child.stdout.take().context("stdout")?;
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            let first = lines.next_line().await?.unwrap_or_default();
            let doc: Value = serde_json::from_str(&first).unwrap_or(Value::Null);
            let sharing = &doc["sharing"];
            if let (Some(addresses), Some(code)) =
                (sharing["addresses"].as_array(), sharing["code"].as_str())
            {
                let address = addresses
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|a| a.starts_with("127.0.0.1:"))
                    .context("a loopback address")?
                    .to_owned();
                // Its later lines are not read: keep the pipe drained.
                let code = code.to_owned();
                tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                return Ok(Some((child, address, code)));
            }
            let _ = child.wait().await;
            if doc["error"]["kind"] == "locked" && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(40)).await;
                continue;
            }
            return Ok(None);
        }
    }

    /// Runs a command that must succeed; its JSON.
    pub async fn ok(&self, args: &[&str]) -> Result<Value> {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        match self.run(&args).await? {
            Ran::Done(v) => Ok(v),
            Ran::Refused(kind, message) => {
                bail!("laptop {}: hanout {args:?}: {kind}: {message}", self.name)
            }
            Ran::Killed => unreachable!("not killed"),
        }
    }

    /// Every listing this laptop has (not deleted).
    pub async fn listings(&self) -> Result<Vec<Value>> {
        let doc = self.ok(&["listing", "list", "--limit", "1000000"]).await?;
        Ok(doc["listings"].as_array().cloned().unwrap_or_default())
    }

    pub fn start_watcher(&self) -> Result<()> {
        let log = |name: &str| {
            std::fs::OpenOptions::new().create(true).append(true).open(
                self.dir
                    .parent()
                    .unwrap_or(&self.dir)
                    .join(format!("watch-{}.{name}", self.name)),
            )
        };
        let child = self
            .command()
            .args(["sync", "--watch", "--interval", "2"])
            .stdout(log("jsonl")?)
            .stderr(log("log")?)
            .spawn()?;
        *self.watcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        Ok(())
    }

    /// `kill -9` of the watcher.
    pub async fn kill_watcher(&self) {
        let child = self
            .watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(mut child) = child {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// The photo bytes the watcher said it sent, over all its passes
    /// (passes cut by a kill say nothing).
    pub fn reported_photo_bytes(&self) -> u64 {
        let path = self
            .dir
            .parent()
            .unwrap_or(&self.dir)
            .join(format!("watch-{}.jsonl", self.name));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["photo_bytes_sent"].as_u64())
            .sum()
    }
}
