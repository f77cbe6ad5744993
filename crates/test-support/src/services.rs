//! Throwaway PostgreSQL and S3 (s3rver) servers for scale-out tests, one of
//! each per test process, started on first use and stopped when the test
//! process is gone (a watchdog shell stops them, since statics are never
//! dropped).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A PostgreSQL server in a temporary directory, on a loopback port.
#[derive(Debug)]
pub struct Postgres {
    port: u16,
    bin: PathBuf,
}

/// The process's PostgreSQL server, started on first call.
///
/// Panics with what to install when PostgreSQL is missing: a scale-out
/// test that cannot reach its database must fail, not pass.
pub fn postgres() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(start_postgres)
}

impl Postgres {
    /// A fresh, empty database; returns its URL.
    pub fn create_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let out = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", &name])
            .output()
            .expect("run createdb");
        assert!(
            out.status.success(),
            "createdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// The directory with `initdb`, `postgres`, `createdb`: the newest
/// `/usr/lib/postgresql/*/bin` (Debian), or `HANOUT_PG_BINDIR`.
fn pg_bindir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HANOUT_PG_BINDIR") {
        return dir.into();
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "the scale-out tests need PostgreSQL: no /usr/lib/postgresql/*/bin/initdb — \
             run `cargo xtask setup` (it installs the `postgresql` package) or set HANOUT_PG_BINDIR"
        )
    })
}

/// PostgreSQL refuses to run as root: as root, run it as `postgres`.
fn postgres_user() -> Option<(u32, u32)> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return None;
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((
        id("-u").expect("as root, PostgreSQL needs a `postgres` user (the package adds it)"),
        id("-g").expect("group of `postgres`"),
    ))
}

#[allow(
    clippy::zombie_processes,
    reason = "the server outlives every test by design; the watchdog stops it once this process exits, and init reaps it"
)]
fn start_postgres() -> Postgres {
    let bin = pg_bindir();
    let dir = scratch_dir("pg");
    let data = dir.join("data");
    let user = postgres_user();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the PostgreSQL dir");
    }
    let as_postgres = |cmd: &mut Command| {
        if let Some((uid, gid)) = user {
            use std::os::unix::process::CommandExt as _;
            cmd.uid(uid).gid(gid);
        }
    };
    let mut initdb = Command::new(bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"])
        .arg("--no-sync");
    as_postgres(&mut initdb);
    let out = initdb.output().expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = crate::free_addr().port();
    let log = std::fs::File::create(dir.join("postgres.log")).expect("create the log");
    let mut server = Command::new(bin.join("postgres"));
    server
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string()])
        .arg("-k")
        .arg(&dir)
        .args(["-c", "listen_addresses=127.0.0.1"])
        // A throwaway database: durability settings off for speed.
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
        .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    as_postgres(&mut server);
    let child = server.spawn().expect("start postgres");
    reap_when_done(child.id(), "INT", &dir);
    let ready = Instant::now();
    loop {
        let status = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
            .status()
            .expect("run pg_isready");
        if status.success() {
            break;
        }
        assert!(
            ready.elapsed() < Duration::from_secs(30),
            "PostgreSQL did not start in 30 s; see {}",
            dir.join("postgres.log").display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Postgres { port, bin }
}

/// Buckets the shared s3rver makes at start, one per test market.
const BUCKETS: u32 = 400;

/// s3rver (npm) on a loopback port with its buckets.
#[derive(Debug)]
pub struct S3rver {
    pub endpoint: String,
    /// The first bucket.
    pub bucket: String,
    buckets: u32,
    next_bucket: AtomicU32,
}

impl S3rver {
    /// The S3 access key and secret s3rver accepts.
    pub const KEY: &'static str = "S3RVER";

    /// `s3://BUCKET?endpoint=…`, as `hanout-market --blobs` takes it.
    pub fn url(&self) -> String {
        self.url_of(&self.bucket)
    }

    pub fn url_of(&self, bucket: &str) -> String {
        format!("s3://{bucket}?endpoint={}&region=us-east-1", self.endpoint)
    }

    /// A bucket no one used yet, so a test sees only its own objects.
    pub fn fresh_bucket(&self) -> String {
        let n = self.next_bucket.fetch_add(1, Ordering::SeqCst);
        assert!(
            n < self.buckets,
            "all {} s3rver buckets are used — raise BUCKETS",
            self.buckets
        );
        bucket_name(n)
    }
}

fn bucket_name(n: u32) -> String {
    format!("bucket-{n:04}")
}

/// The process's shared s3rver, started on first call from the npm project
/// in `npm_dir` (`npm ci` first if needed).
pub fn s3rver(npm_dir: &Path) -> &'static S3rver {
    static SERVER: OnceLock<S3rver> = OnceLock::new();
    SERVER.get_or_init(|| start_s3rver(npm_dir, BUCKETS))
}

/// A fresh s3rver with `buckets` empty buckets; stopped when the test
/// process is gone.
#[allow(
    clippy::zombie_processes,
    reason = "the server outlives every test by design; the watchdog stops it once this process exits, and init reaps it"
)]
pub fn start_s3rver(npm_dir: &Path, buckets: u32) -> S3rver {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "the S3 tests need Node.js (`node` on PATH) to run s3rver — `cargo xtask setup` installs it"
    );
    if !npm_dir.join("node_modules/s3rver").exists() {
        let npm = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(npm_dir)
            .output()
            .expect("the S3 tests need `npm` on PATH to install s3rver");
        assert!(
            npm.status.success(),
            "`npm ci` in {} failed: {}",
            npm_dir.display(),
            String::from_utf8_lossy(&npm.stderr)
        );
    }
    let port = crate::free_addr().port();
    let dir = scratch_dir("s3");
    let mut child = Command::new("node")
        .arg(npm_dir.join("node_modules/s3rver/bin/s3rver.js"))
        .arg("-d")
        .arg(&dir)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .args((0..buckets).flat_map(|n| ["--configure-bucket".to_owned(), bucket_name(n)]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start s3rver");
    reap_when_done(child.id(), "TERM", &dir);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        let read = stdout.read_line(&mut line).expect("read s3rver's output");
        assert!(read > 0, "s3rver exited before listening");
        if line.contains("listening on") {
            break;
        }
    }
    // Keep draining its stdout so it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    S3rver {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: bucket_name(0),
        buckets,
        next_bucket: AtomicU32::new(0),
    }
}

/// A fresh directory under the system temp dir, named after this process.
fn scratch_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "hanout-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch dir");
    dir
}

/// Starts a watchdog that, once this test process has exited, sends
/// `signal` to `pid` and removes `dir`.
#[allow(
    clippy::zombie_processes,
    reason = "the watchdog must outlive this process; init reaps it"
)]
fn reap_when_done(pid: u32, signal: &str, dir: &Path) {
    Command::new("sh")
        .arg("-c")
        .arg(
            r#"while kill -0 "$0" 2>/dev/null; do sleep 0.5; done
               kill -"$2" "$1" 2>/dev/null
               sleep 2; kill -9 "$1" 2>/dev/null; rm -rf "$3""#,
        )
        .arg(std::process::id().to_string())
        .arg(pid.to_string())
        .arg(signal)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the watchdog");
}
