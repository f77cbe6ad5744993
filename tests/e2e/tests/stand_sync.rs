//! Two laptops of one cooperative at a fair with no internet (issue 15),
//! in the real window: the other laptop is the real `hanout` CLI. The
//! window joins its share (address and code typed, "Sync" clicked) and
//! each gets the other's listing; the other laptop's day comes on a USB
//! stick as a bundle (taken twice: the second time changes nothing); then
//! the window shares and the other laptop syncs with it, which the window
//! says as it happens. All traffic stays on 127.0.0.1 (no mDNS).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use e2e::{TauriDriver, app_env, attr, cli_binary, click, invoke, type_into, wait_count, wait_for};
use serde_json::{Value, json};
use test_support::TestMarket;

/// `hanout --data-dir <data> --json <args>`: its JSON answer.
fn hanout(data: &Path, args: &[&str]) -> Value {
    let out: Output = Command::new(cli_binary())
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .args(args)
        .env("LANG", "C")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hanout {args:?}: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The same off the test's async threads.
async fn cli(data: &Path, args: &[&str]) -> Value {
    let data = data.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        hanout(&data, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_syncs_with_the_other_laptop_over_the_stand_network_and_a_usb_stick() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code_app = market::admin::enrollment_code(&market, "atlas").unwrap();
    let code_cli = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;
    let other = dir.path().join("other");
    cli(&other, &["connect", &server.url(), "--code", &code_cli]).await;

    let driver = TauriDriver::start(&app_env(
        dir.path(),
        &[
            ("HANOUT_MARKET_URL", server.url()),
            ("HANOUT_ENROLL_CODE", code_app),
            ("HANOUT_PEER_MDNS", "off".to_owned()),
        ],
    ));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for(
        &client,
        "[data-testid=connection-panel][data-enrolled=true]",
    )
    .await;

    // At the fair: no internet. Each laptop lists something of its own.
    server.stop().await;
    let tajine = cli(
        &other,
        &[
            "listing",
            "add",
            "--title-fr",
            "Tajine de Safi",
            "--price",
            "450",
            "--stock",
            "8",
        ],
    )
    .await["listing"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    type_into(&client, "[data-testid=title-input]", "Babouches brodées").await;
    type_into(&client, "[data-testid=price-input]", "180").await;
    click(&client, "[data-testid=save-button]").await;
    wait_count(&client, "[data-testid=listing]", 1).await;

    // The other laptop shares; the window joins it with its loopback
    // address and code, typed.
    let mut share = Command::new(cli_binary())
        .arg("--data-dir")
        .arg(&other)
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
    let mut lines = BufReader::new(share.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    let sharing: Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    let address = sharing["sharing"]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.starts_with("127.0.0.1:"))
        .unwrap()
        .to_owned();
    let code = sharing["sharing"]["code"].as_str().unwrap().to_owned();

    type_into(&client, "[data-testid=peer-address-input]", &address).await;
    type_into(
        &client,
        "[data-testid=peer-code-input]",
        &format!("{} {}", &code[..3], &code[3..]),
    )
    .await;
    click(&client, "[data-testid=peer-sync]").await;
    let synced = wait_for(
        &client,
        "[data-testid=peer-synced][data-new='1'][data-sent='1']",
    )
    .await;
    let said = synced.text().await.unwrap();
    assert!(said.starts_with("Synchronisé avec"), "{said}");
    assert!(said.contains("1 nouvelle annonce"), "{said}");
    // The other laptop's listing is in the window's list; the window's is there.
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{tajine}'] [data-testid=stock][data-stock='8']"),
    )
    .await;
    wait_count(&client, "[data-testid=listing]", 2).await;
    let done = tokio::task::spawn_blocking(move || share.wait().unwrap())
        .await
        .unwrap();
    assert!(done.success(), "--once ends after the exchange");
    let theirs = cli(&other, &["listing", "list"]).await;
    assert_eq!(theirs["listings"].as_array().unwrap().len(), 2, "{theirs}");
    assert!(theirs.to_string().contains("Babouches brodées"), "{theirs}");

    // In the evening, the other laptop's sales come on a USB stick.
    cli(&other, &["sale", &tajine, "--qty", "3"]).await;
    let stick = dir.path().join("other-to-window.hanout");
    let exported = cli(&other, &["bundle", "export", stick.to_str().unwrap()]).await;
    assert_eq!(exported["exported"]["sales"], 1, "{exported}");
    let taken = invoke(&client, "import_bundle", json!({ "path": stick })).await;
    assert_eq!(taken["ok"]["sales"], 1, "{taken}");
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{tajine}'] [data-testid=stock][data-stock='5']"),
    )
    .await;
    let again = invoke(&client, "import_bundle", json!({ "path": stick })).await;
    assert_eq!(again["ok"]["changes"], 0, "{again}");
    assert_eq!(again["ok"]["sales"], 0, "{again}");
    // A bundle made here is refused here, in the window's words.
    let own = dir.path().join("own.hanout");
    let made = invoke(
        &client,
        "export_bundle",
        json!({ "path": own, "photos": true }),
    )
    .await;
    // (Only what the other laptop lacks: nothing, after the exchange.)
    assert!(made["ok"]["bytes"].as_u64().unwrap() > 0, "{made}");
    let refused = invoke(&client, "import_bundle", json!({ "path": own })).await;
    assert_eq!(
        refused["err"],
        json!({ "kind": "peer", "cause": "own_bundle" }),
        "{refused}"
    );
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{tajine}'] [data-testid=stock][data-stock='5']"),
    )
    .await;

    // Now the window shares, and the other laptop syncs with it: a wrong
    // code first, then the one shown.
    click(&client, "[data-testid=share-start]").await;
    let code = attr(&client, "[data-testid=share-code]", "data-code").await;
    assert_eq!(code.len(), 6, "{code}");
    let shown = wait_for(&client, "[data-testid=share-code]").await;
    assert_eq!(
        shown.text().await.unwrap(),
        format!("{} {}", &code[..3], &code[3..])
    );
    let address = attr(
        &client,
        "[data-testid=share-address][data-address^='127.0.0.1:']",
        "data-address",
    )
    .await;
    wait_for(
        &client,
        "[data-testid=share-announced][data-announced=false]",
    )
    .await;
    wait_for(&client, "[data-testid=share-qr]").await;

    let wrong = {
        let other = other.clone();
        let address = address.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(cli_binary())
                .arg("--data-dir")
                .arg(&other)
                .args(["--json", "peer", "sync", &address, "--code", "12345"])
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(!wrong.status.success());
    let event = wait_for(&client, "[data-testid=share-event][data-kind=wrong_code]").await;
    assert!(
        event.text().await.unwrap().contains("encore 4 essais"),
        "{:?}",
        event.text().await
    );

    cli(&other, &["sale", &tajine, "--qty", "1"]).await;
    let synced = cli(&other, &["peer", "sync", &address, "--code", &code]).await;
    // The sale of the USB stick goes again (this laptop cannot know it
    // arrived); the window takes it once.
    assert_eq!(synced["sent"]["sales"], 2, "{synced}");
    let event = wait_for(&client, "[data-testid=share-event][data-kind=exchanged]").await;
    let said = event.text().await.unwrap();
    assert!(said.starts_with("Synchronisé avec"), "{said}");
    assert!(said.contains("1 vente"), "{said}");
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{tajine}'] [data-testid=stock][data-stock='4']"),
    )
    .await;

    click(&client, "[data-testid=share-stop]").await;
    wait_for(&client, "[data-testid=share-start]").await;
    let refused = tokio::task::spawn_blocking(move || {
        Command::new(cli_binary())
            .arg("--data-dir")
            .arg(&other)
            .args(["--json", "peer", "sync", &address, "--code", &code])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!refused.status.success(), "no share after stop");
    client.close().await.unwrap();
    drop(driver);
}
