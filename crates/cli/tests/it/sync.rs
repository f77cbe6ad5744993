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

pub(crate) fn atlas(dir: &Path) -> (market::Market, String) {
    let market = market::Market::open(&dir.join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    (market, code)
}

/// `hanout` run off the async runtime, so the in-process server keeps serving.
pub(crate) async fn run(data: &Path, args: &[&str]) -> crate::Run {
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
pub(crate) struct Watcher {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Watcher {
    pub(crate) fn start(data: &Path) -> Watcher {
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
    pub(crate) async fn until(&self, within: Duration, want: impl Fn(&Value) -> bool) -> Value {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_pauses_sync_and_keeps_the_budget_and_metered_choice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (market, code) = atlas(dir.path());
    let server = TestMarket::start(market).await;

    let shown = run(&data, &["--json", "config"]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown = shown.json();
    assert_eq!(shown["paused"], false);
    assert_eq!(shown["metered"], Value::Null);
    assert_eq!(shown["daily_budget_bytes"], Value::Null);

    let set = run(
        &data,
        &[
            "--json",
            "config",
            "--metered",
            "yes",
            "--budget-mb",
            "20",
            "--market-url",
            &server.url(),
        ],
    )
    .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let set = set.json();
    assert_eq!(set["metered"], true);
    assert_eq!(set["daily_budget_bytes"], 20_000_000);
    assert_eq!(set["market_url"], server.url());
    let bad = run(&data, &["--json", "config", "--budget-mb", "lots"]).await;
    assert_eq!(bad.code, 2);

    let connected = run(&data, &["connect", &server.url(), "--code", &code]).await;
    assert_eq!(connected.code, 0, "{}", connected.stderr);
    // Enrolled: the address no longer changes through config.
    let moved = run(
        &data,
        &[
            "--json",
            "config",
            "--market-url",
            "https://autre.example.org",
        ],
    )
    .await;
    assert_eq!(moved.code, 2);

    run(
        &data,
        &["listing", "add", "--title-fr", "Tapis", "--price", "100"],
    )
    .await;
    let paused = run(&data, &["--json", "config", "--pause"]).await;
    assert_eq!(paused.json()["paused"], true);
    let refused = run(&data, &["--json", "sync"]).await;
    assert_eq!(refused.code, 2);
    assert_eq!(refused.json()["error"]["kind"], "paused");
    assert!(server.catalog().await.listings.is_empty());

    run(&data, &["config", "--resume"]).await;
    let synced = run(&data, &["--json", "sync"]).await;
    assert_eq!(synced.code, 0, "{}", synced.stdout);
    assert_eq!(server.catalog().await.listings.len(), 1);
    // The other choices survived pausing and resuming.
    let shown = run(&data, &["--json", "config"]).await.json();
    assert_eq!(shown["metered"], true);
    assert_eq!(shown["daily_budget_bytes"], 20_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_listing_says_where_it_stands_with_the_marketplace() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (market, code) = atlas(dir.path());
    let server = TestMarket::start(market.clone()).await;
    let add = |title: &'static str, status: &'static str| {
        let data = data.clone();
        async move {
            let added = run(
                &data,
                &[
                    "--json",
                    "listing",
                    "add",
                    "--title-fr",
                    title,
                    "--price",
                    "100",
                    "--status",
                    status,
                ],
            )
            .await;
            assert_eq!(added.code, 0, "{}", added.stderr);
            added.json()["listing"]["id"].as_str().unwrap().to_owned()
        }
    };
    let rug = add("Tapis Azilal", "ready").await;
    let pouf = add("Pouf en cuir", "ready").await;
    let draft = add("Plateau en cèdre", "draft").await;
    let ledger = |id: String| {
        let data = data.clone();
        async move {
            let shown = run(&data, &["--json", "listing", "show", &id]).await;
            assert_eq!(shown.code, 0, "{}", shown.stderr);
            shown.json()["ledger"].clone()
        }
    };
    let waiting = ledger(rug.clone()).await;
    assert_eq!(waiting["state"], "waiting");
    assert_eq!(waiting["text_waiting"], true);

    run(&data, &["connect", &server.url(), "--code", &code]).await;
    run(&data, &["sync"]).await;
    let live = ledger(rug.clone()).await;
    assert_eq!(live["state"], "live", "{live}");
    assert_eq!(live["public_url"], format!("{}/l/{rug}", server.url()));
    assert_eq!(ledger(draft.clone()).await["state"], "not_public");

    // A moderator refuses the pouf; the next sync brings the reason.
    market::admin::reject_listing(&market, pouf.parse().unwrap(), "photo floue").unwrap();
    run(&data, &["sync"]).await;
    let refused = ledger(pouf.clone()).await;
    assert_eq!(refused["state"], "rejected");
    assert_eq!(refused["reason"], "photo floue");

    // `hanout status` names the listings that are not simply live.
    let status = run(&data, &["--json", "status"]).await.json();
    let mut not_live: Vec<(String, String)> = status["not_live"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_owned(),
                x["ledger"]["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    not_live.sort();
    let mut want = vec![
        (pouf, "rejected".to_owned()),
        (draft, "not_public".to_owned()),
    ];
    want.sort();
    assert_eq!(not_live, want);
}
