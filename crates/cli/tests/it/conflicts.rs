//! Two laptops through a real `hanout-market`: the one whose edit lost sees
//! both values in `listing show` and takes its own back with one command.

use test_support::TestMarket;

use crate::sync::{atlas, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_edit_is_shown_and_taken_back_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let (market, code_a) = atlas(dir.path());
    let code_b = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;

    let added = run(
        &a,
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
    let id = added.json()["listing"]["id"].as_str().unwrap().to_owned();
    for (data, code) in [(&a, &code_a), (&b, &code_b)] {
        let connected = run(data, &["--json", "connect", &server.url(), "--code", code]).await;
        assert_eq!(connected.code, 0, "{}", connected.stderr);
        let synced = run(data, &["--json", "sync"]).await;
        assert_eq!(synced.code, 0, "{}", synced.stdout);
    }

    // Offline from each other: A sets 3000, then B sets 3500 (later).
    let edit = |data, price| {
        let id = id.clone();
        async move {
            let edited = run(data, &["--json", "listing", "edit", &id, "--price", price]).await;
            assert_eq!(edited.code, 0, "{}", edited.stderr);
        }
    };
    edit(&a, "3000").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    edit(&b, "3500").await;
    assert_eq!(run(&b, &["--json", "sync"]).await.code, 0);
    assert_eq!(run(&a, &["--json", "sync"]).await.code, 0);

    let shown = run(&a, &["--json", "listing", "show", &id]).await.json();
    let conflicts = shown["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{shown}");
    assert_eq!(conflicts[0]["field"], "price");
    assert_eq!(conflicts[0]["mine"], 300_000);
    assert_eq!(conflicts[0]["theirs"], 350_000);
    let text = run(&a, &["--lang", "fr", "listing", "show", &id]).await;
    assert!(
        text.stdout.contains("3000")
            && text.stdout.contains("3500")
            && text
                .stdout
                .contains(&format!("hanout listing take-back {id} --field price")),
        "{}",
        text.stdout
    );
    let b_shown = run(&b, &["--json", "listing", "show", &id]).await.json();
    assert_eq!(b_shown["conflicts"], serde_json::json!([]), "B's edit won");

    let unknown = run(
        &a,
        &["--json", "listing", "take-back", &id, "--field", "colour"],
    )
    .await;
    assert_ne!(unknown.code, 0);
    let taken = run(
        &a,
        &["--json", "listing", "take-back", &id, "--field", "price"],
    )
    .await;
    assert_eq!(taken.code, 0, "{} {}", taken.stdout, taken.stderr);
    assert_eq!(taken.json()["fields"], serde_json::json!(["price"]));
    let again = run(&a, &["--json", "listing", "keep-theirs", &id]).await;
    assert_ne!(again.code, 0, "nothing left to settle: {}", again.stdout);

    assert_eq!(run(&a, &["--json", "sync"]).await.code, 0);
    assert_eq!(run(&b, &["--json", "sync"]).await.code, 0);
    assert_eq!(server.catalog().await.listings[0].price_centimes, 300_000);
    for data in [&a, &b] {
        let shown = run(data, &["--json", "listing", "show", &id]).await.json();
        assert_eq!(shown["conflicts"], serde_json::json!([]), "{shown}");
        assert_eq!(shown["listing"]["price_centimes"], 300_000, "{shown}");
    }
}
