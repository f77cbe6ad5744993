//! Two laptops of one cooperative at a fair with no internet: `hanout peer
//! share` / `peer sync` between two real processes on loopback, and `hanout
//! bundle export` / `import` through a file; then each pushes to a real
//! marketplace in turn, and nothing is published or counted twice.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use test_support::TestMarket;

use crate::sync::run;

async fn add(data: &Path, title: &str, stock: &str) -> String {
    let added = run(
        data,
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            title,
            "--price",
            "450",
            "--stock",
            stock,
        ],
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    added.json()["listing"]["id"].as_str().unwrap().to_owned()
}

async fn sell(data: &Path, id: &str, qty: &str) {
    let sold = run(data, &["--json", "sale", id, "--qty", qty]).await;
    assert_eq!(sold.code, 0, "{}", sold.stderr);
}

async fn stock(data: &Path, id: &str) -> i64 {
    let shown = run(data, &["--json", "listing", "show", id]).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    shown.json()["listing"]["stock"].as_i64().unwrap()
}

/// `hanout --json peer share --once` as a child: its address and code.
fn share(
    data: &Path,
) -> (
    std::process::Child,
    BufReader<std::process::ChildStdout>,
    Value,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hanout"))
        .arg("--data-dir")
        .arg(data)
        .args([
            "--json",
            "peer",
            "share",
            "--once",
            "--no-mdns",
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    let sharing: Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    (child, lines, sharing["sharing"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_sync_at_the_fair_then_each_pushes_once() {
    let dir = tempfile::tempdir().unwrap();
    let (market, code_a) = crate::sync::atlas(dir.path());
    let code_b = market::admin::enrollment_code(&market, "atlas").unwrap();
    let code_c = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (data, code) in [(&a, &code_a), (&b, &code_b), (&c, &code_c)] {
        let connected = run(data, &["--json", "connect", &server.url(), "--code", code]).await;
        assert_eq!(connected.code, 0, "{}", connected.stderr);
    }

    // Before the fair: the rugs are on the marketplace, from A.
    let rug = add(&a, "Tapis Azilal", "5").await;
    assert_eq!(run(&a, &["--json", "sync"]).await.code, 0);

    // At the fair, no internet. A lists new oil, B lists new pottery.
    let url = server.url();
    server.stop().await;
    let oil = add(&a, "Huile d'argan 1 l", "20").await;
    let pot = add(&b, "Tajine de Safi", "8").await;

    // B joins A's share over the stand's network.
    let (mut child, mut lines, sharing) = share(&a);
    // Its loopback address (listed last): nothing leaves this machine.
    let address = sharing["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.starts_with("127.0.0.1:"))
        .unwrap()
        .to_owned();
    let code = sharing["code"].as_str().unwrap().to_owned();
    let wrong = run(
        &b,
        &[
            "--json", "--lang", "fr", "peer", "sync", &address, "--code", "000000x",
        ],
    )
    .await;
    assert_eq!(wrong.code, 2);
    assert_eq!(wrong.json()["error"]["kind"], "wrong_code");
    let synced = run(&b, &["--json", "peer", "sync", &address, "--code", &code]).await;
    assert_eq!(synced.code, 0, "{} {}", synced.stdout, synced.stderr);
    let report = synced.json();
    assert_eq!(report["taken"]["new_listings"], 2, "{report}");
    assert_eq!(report["sent"]["listings"], 1, "{report}");
    let mut said = String::new();
    lines.read_line(&mut said).unwrap();
    let said: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(said["wrong_code"]["tries_left"], 4, "{said}");
    let mut said = String::new();
    lines.read_line(&mut said).unwrap();
    let said: Value = serde_json::from_str(&said).unwrap();
    assert_eq!(said["exchanged"]["taken"]["new_listings"], 1, "{said}");
    assert!(
        child.wait().unwrap().success(),
        "--once ends after the exchange"
    );

    // Both sell all day, of all three products.
    sell(&a, &rug, "1").await;
    sell(&b, &rug, "2").await;
    sell(&a, &oil, "3").await;
    sell(&b, &oil, "4").await;
    sell(&a, &pot, "1").await;
    sell(&b, &pot, "2").await;

    // In the evening, B's day goes to A on a USB stick (twice: the second
    // time changes nothing), and A's to B.
    let stick = dir.path().join("b-to-a.hanout");
    let exported = run(&b, &["--json", "bundle", "export", stick.to_str().unwrap()]).await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let imported = run(&a, &["--json", "bundle", "import", stick.to_str().unwrap()]).await;
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert_eq!(imported.json()["imported"]["sales"], 3);
    let again = run(&a, &["--json", "bundle", "import", stick.to_str().unwrap()]).await;
    assert_eq!(again.json()["imported"]["changes"], 0);
    let back = dir.path().join("a-to-b.hanout");
    run(&a, &["--json", "bundle", "export", back.to_str().unwrap()]).await;
    let taken = run(&b, &["--json", "bundle", "import", back.to_str().unwrap()]).await;
    assert_eq!(taken.code, 0, "{}", taken.stderr);
    for (id, left) in [(&rug, 2), (&oil, 13), (&pot, 5)] {
        assert_eq!(stock(&a, id).await, left);
        assert_eq!(stock(&b, id).await, left);
    }
    let journal = run(&a, &["--json", "sales"]).await.json();
    assert_eq!(journal["count"], 6, "{journal}");

    // Back online: B pushes first, then A; a third laptop reads what the
    // marketplace has.
    let server = TestMarket::start_at(
        market::Market::open(&dir.path().join("market")).unwrap(),
        url.trim_start_matches("http://").parse().unwrap(),
    )
    .await;
    for data in [&b, &a] {
        let pushed = run(data, &["--json", "sync"]).await;
        assert_eq!(pushed.code, 0, "{} {}", pushed.stdout, pushed.stderr);
    }
    let catalog = server.catalog().await;
    assert_eq!(catalog.listings.len(), 3, "no listing published twice");
    assert_eq!(run(&c, &["--json", "sync"]).await.code, 0);
    for (id, left) in [(&rug, 2), (&oil, 13), (&pot, 5)] {
        assert_eq!(
            stock(&c, id).await,
            left,
            "every sale counted once on the marketplace"
        );
    }
}
