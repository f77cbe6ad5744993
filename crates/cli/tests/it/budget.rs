//! The day's data budget and the metered choice through `hanout sync
//! --watch` as a child process, changed with `hanout config` while it runs.

use std::path::Path;
use std::time::Duration;

use test_support::TestMarket;

use crate::sync::{Watcher, atlas, run};

/// A noisy photograph (noise compresses badly, like real photos do):
/// its display-size JPEG is several hundred kilobytes.
fn write_noisy_jpeg(path: &Path, seed: u32) {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(2000, 1500, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    img.save(path).unwrap();
}

/// Whether the public marketplace serves the photo named `sha256`.
/// Whether the marketplace has this full-size photo itself (200), not
/// only its thumbnail meanwhile (a 307 to it, while it is on its way).
async fn served(server: &TestMarket, sha256: &str) -> bool {
    let status = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/photos/{sha256}.jpg", server.url()))
        .send()
        .await
        .unwrap()
        .status();
    assert!(
        status == 200 || status == 307,
        "{sha256}: {status}: a listed photo is served, or its thumbnail meanwhile"
    );
    status == 200
}

/// The day's data budget and the metered choice, honoured by `hanout sync
/// --watch` as a child process, and changed while it runs with `hanout
/// config`: the budget stops the pass at a clean point (text sent, the
/// listing showing its photos by their thumbnails where the full-size
/// files did not fit) within the bytes allowed; metered, thumbnails go and
/// full-size photos wait; unmetered, they go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_keeps_to_the_budget_and_the_metered_choice_set_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (market, code) = atlas(dir.path());
    let server = TestMarket::start(market).await;
    let connected = run(&data, &["connect", &server.url(), "--code", &code]).await;
    assert_eq!(connected.code, 0, "{}", connected.stderr);

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
    let id = added.json()["listing"]["id"].as_str().unwrap().to_owned();
    let paths: Vec<String> = (0..3)
        .map(|n| {
            let path = dir.path().join(format!("tapis-{n}.jpg"));
            write_noisy_jpeg(&path, n);
            path.to_string_lossy().into_owned()
        })
        .collect();
    let mut args = vec!["--json", "photos", "import", "--listing", &id];
    args.extend(paths.iter().map(String::as_str));
    let imported = run(&data, &args).await;
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let displays: Vec<String> =
        run(&data, &["--json", "listing", "show", &id]).await.json()["listing"]["photos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
    assert_eq!(displays.len(), 3);
    let photo_bytes: u64 = displays
        .iter()
        .map(|sha| {
            std::fs::metadata(sync::photo_path(&data, sha))
                .unwrap()
                .len()
        })
        .sum();
    assert!(
        photo_bytes > 1_000_000,
        "the photos outgrow the budget: {photo_bytes}"
    );

    // 1 MB a day: the text goes, the photos wait, the day's bytes stay within.
    let set = run(&data, &["--json", "config", "--budget-mb", "1"]).await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let watcher = Watcher::start(&data);
    let pass = watcher
        .until(Duration::from_secs(60), |v| v["budget_reached"] == true)
        .await;
    assert!(pass["photo_bytes_waiting"].as_u64().unwrap() > 0, "{pass}");
    let used = run(&data, &["--json", "config"]).await.json()["used_today_bytes"]
        .as_u64()
        .unwrap();
    assert!(
        used <= 1_000_000,
        "spent {used} bytes of a 1,000,000-byte day"
    );
    assert!(used > 500_000, "the budget was used, not left idle: {used}");
    let catalog = server.catalog().await;
    assert_eq!(catalog.listings.len(), 1, "the text went");
    assert_eq!(
        catalog.listings[0].photos.len(),
        3,
        "the listing shows its photos, by their thumbnails at least"
    );
    let mut waiting = Vec::new();
    for sha in &displays {
        if !served(&server, sha).await {
            waiting.push(sha.clone());
        }
    }
    assert!(!waiting.is_empty(), "a full-size photo waits for tomorrow");

    // No budget, but a metered link: thumbnails go, full-size photos wait.
    let set = run(
        &data,
        &[
            "--json",
            "config",
            "--budget-mb",
            "none",
            "--metered",
            "yes",
        ],
    )
    .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let pass = watcher
        .until(Duration::from_secs(60), |v| {
            v["photos_held"].as_u64().unwrap_or(0) == 3
        })
        .await;
    assert_eq!(pass["budget_reached"], false, "{pass}");
    for sha in &waiting {
        assert!(!served(&server, sha).await, "held while metered");
    }

    // Unmetered: the full-size photos go, and the listing shows them.
    run(&data, &["config", "--metered", "no"]).await;
    watcher
        .until(Duration::from_secs(60), |v| {
            v["photos_held"] == 0 && v["all_done"] == true
        })
        .await;
    for sha in &displays {
        assert!(served(&server, sha).await, "{sha} on the marketplace");
    }
}
