//! `hanout connect` and `hanout sync [--watch]` as real processes against a
//! real `hanout-market` on loopback.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::{TestMarket, free_addr};

use crate::hanout;

fn atlas(dir: &Path) -> (market::Market, String) {
    let market = market::Market::open(&dir.join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    (market, code)
}

/// `hanout` run off the async runtime, so the in-process server keeps serving.
async fn run(data: &Path, args: &[&str]) -> crate::Run {
    let data = data.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        hanout(&data, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_then_sync_publishes_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (market, code) = atlas(dir.path());
    let server = TestMarket::start(market).await;

    let added = run(
        &data,
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Tapis Azilal",
            "--price",
            "3200",
        ],
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    let not_yet = run(&data, &["--json", "sync"]).await;
    assert_eq!(not_yet.code, 2, "{}", not_yet.stdout);
    assert_eq!(not_yet.json()["error"]["kind"], "not_configured");

    let insecure = run(
        &data,
        &[
            "--json",
            "connect",
            "http://souk.example.org",
            "--code",
            &code,
        ],
    )
    .await;
    assert_eq!(insecure.code, 2);
    assert_eq!(insecure.json()["error"]["kind"], "insecure");

    let connected = run(
        &data,
        &["--json", "connect", &server.url(), "--code", &code],
    )
    .await;
    assert_eq!(
        connected.code, 0,
        "{} {}",
        connected.stdout, connected.stderr
    );
    assert_eq!(connected.json()["cooperative"], "Coopérative Atlas");

    let synced = run(&data, &["--json", "sync"]).await;
    assert_eq!(synced.code, 0, "{} {}", synced.stdout, synced.stderr);
    let report = synced.json();
    assert_eq!(report["pushed"], 1);
    assert_eq!(report["waiting"], 0);
    assert_eq!(report["all_done"], true);
    assert_eq!(server.catalog().await.listings.len(), 1);

    // The desktop app has the catalog: it syncs it itself; this says so.
    let lock = store::lock_writer(&data).unwrap();
    let app = run(&data, &["--json", "sync"]).await;
    assert_eq!(app.code, 0);
    assert_eq!(app.json()["app_syncing"], true);
    drop(lock);

    // No connection: exit 2, said in the user's language.
    server.stop().await;
    let offline = run(&data, &["--lang", "fr", "sync"]).await;
    assert_eq!(offline.code, 2);
    assert!(offline.stderr.contains("injoignable"), "{}", offline.stderr);
}

/// `hanout --json sync --watch` as a child, its JSON lines on a channel.
struct Watcher {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Watcher {
    fn start(data: &Path) -> Watcher {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hanout"))
            .arg("--data-dir")
            .arg(data)
            .args(["--json", "sync", "--watch", "--interval", "600"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str(&line) {
                    let _ = tx.send(value);
                }
            }
        });
        Watcher { child, lines }
    }

    /// The next event matching `want`, waiting at most `within`.
    async fn until(&self, within: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            match self.lines.try_recv() {
                Ok(value) if want(&value) => return value,
                Ok(value) => seen.push(value),
                Err(mpsc::TryRecvError::Empty) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no matching event from the watcher ({e:?}); saw {seen:?}"),
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_syncs_changes_and_comes_back_with_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (market, code) = atlas(dir.path());
    let addr = free_addr();
    let server = TestMarket::start_at(market.clone(), addr).await;
    let connected = run(
        &data,
        &["connect", &format!("http://{addr}"), "--code", &code],
    )
    .await;
    assert_eq!(connected.code, 0, "{}", connected.stderr);
    // The link is down before the watcher starts.
    server.stop().await;

    let watcher = Watcher::start(&data);
    watcher
        .until(Duration::from_secs(30), |v| v["error"]["kind"] == "network")
        .await;
    // Work goes on offline; the CLI writes between the watcher's passes.
    let added = run(
        &data,
        &[
            "listing",
            "add",
            "--title-fr",
            "Huile d'argan",
            "--price",
            "180",
        ],
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);

    // The link comes back: the watcher syncs without waiting out its
    // backoff (it probes the marketplace every couple of seconds).
    let server = TestMarket::start_at(market, addr).await;
    let pass = watcher
        .until(Duration::from_secs(30), |v| v["pushed"] == 1)
        .await;
    assert_eq!(pass["waiting"], 0, "{pass}");
    assert_eq!(server.catalog().await.listings.len(), 1);

    // A change made later is sent after it is made, not at the next interval.
    let added = run(
        &data,
        &[
            "listing",
            "add",
            "--title-fr",
            "Savon noir",
            "--price",
            "40",
        ],
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    watcher
        .until(Duration::from_secs(30), |v| v["pushed"] == 1)
        .await;
    assert_eq!(server.catalog().await.listings.len(), 2);

    // The app opens the catalog: the watcher stands aside.
    let _app = store::lock_writer(&data).unwrap();
    run(&data, &["listing", "list"]).await;
    let added = tokio::task::spawn_blocking({
        let data = data.clone();
        move || {
            // The app writes (it holds the lock): the watcher sees the change
            // but must not sync it.
            let mut store = store::open(&data.join("catalog.db")).unwrap();
            store
                .create_listing(
                    store::NewListing::new(
                        store::Titles::from_single("Tajine"),
                        store::Price::parse("90").unwrap(),
                    )
                    .unwrap(),
                    1,
                )
                .unwrap()
        }
    })
    .await
    .unwrap();
    watcher
        .until(Duration::from_secs(30), |v| v["app_syncing"] == true)
        .await;
    assert!(
        server
            .catalog()
            .await
            .listings
            .iter()
            .all(|l| l.id != added.id.uuid())
    );
}
