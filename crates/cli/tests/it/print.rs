//! `hanout labels` and `hanout catalogue` on the demo catalog, synced to a
//! real marketplace so that some listings are live and one is not.

use test_support::TestMarket;
use test_support::pdf;
use unicode_normalization::UnicodeNormalization;

use crate::hanout;
use crate::sync::{atlas, run};

fn flat(text: &str) -> String {
    let text: String = text.nfkc().collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_point_at_the_live_listing_or_else_at_the_cooperative() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (market, code) = atlas(dir.path());
    let server = TestMarket::start(market).await;

    let imported = run(&data, &["--json", "import", "csv", crate::DEMO_CSV]).await;
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let connected = run(
        &data,
        &["--json", "connect", &server.url(), "--code", &code],
    )
    .await;
    assert_eq!(connected.code, 0, "{}", connected.stdout);
    let synced = run(&data, &["--json", "sync"]).await;
    assert_eq!(synced.code, 0, "{}", synced.stdout);

    let listed = run(&data, &["--json", "listing", "search", "Azilal"])
        .await
        .json();
    let live = listed["listings"][0]["id"].as_str().unwrap().to_owned();
    let added = run(
        &data,
        &[
            "--json",
            "listing",
            "add",
            "--title-ar",
            "طاجين فخاري من آسفي",
            "--title-fr",
            "Tajine 30 cm",
            "--price",
            "260",
            "--origin",
            "Safi",
        ],
    )
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    let waiting = added.json()["listing"]["id"].as_str().unwrap().to_owned();

    let file = dir.path().join("labels.pdf");
    let printed = run(
        &data,
        &[
            "--json",
            "labels",
            &live,
            &waiting,
            "--layout",
            "thermal-58x40",
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(printed.code, 0, "{} {}", printed.stdout, printed.stderr);
    assert_eq!(printed.json()["pages"], 2);
    let base = server.url();
    let base = base.trim_end_matches('/');
    assert_eq!(pdf::qr_codes(&file, 1), [format!("{base}/l/{live}")]);
    assert_eq!(pdf::qr_codes(&file, 2), [format!("{base}/c/atlas")]);
    let text = flat(&pdf::text(&file, &[]));
    for expected in [
        "زربية أزيلال ملونة",
        "Tapis Azilal coloré",
        "3200.00 MAD",
        "طاجين فخاري من آسفي",
        "Tajine 30 cm",
        "260.00 MAD",
        "Coopérative Atlas",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }

    // The catalogue of what is live only: the new tajine is not in it.
    let file = dir.path().join("catalogue.pdf");
    let printed = run(
        &data,
        &[
            "--json",
            "--lang",
            "ar",
            "catalogue",
            "--only-live",
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(printed.code, 0, "{} {}", printed.stdout, printed.stderr);
    assert_eq!(printed.json()["products"], 32);
    assert_eq!(printed.json()["edition"], "ar");
    let text = flat(&pdf::text(&file, &["-layout"]));
    assert!(text.contains("زربية أزيلال ملونة"), "{text}");
    assert!(!text.contains("Tajine 30 cm"), "{text}");
    server.stop().await;
}

#[test]
fn the_catalogue_shows_the_display_photo_and_errors_are_translated() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let empty = hanout(data, &["--json", "catalogue", "--out", "x.pdf"]);
    assert_eq!(empty.code, 2);
    assert_eq!(empty.json()["error"]["kind"], "nothing_to_print");
    let empty = hanout(data, &["--lang", "ar", "catalogue", "--out", "x.pdf"]);
    assert!(empty.stderr.contains("لا شيء للطباعة"), "{}", empty.stderr);

    let unknown = store::ListingId::new().to_string();
    let missing = hanout(data, &["--json", "labels", &unknown, "--out", "x.pdf"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.json()["error"]["kind"], "not_found");

    let added = hanout(
        data,
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Plateau en alfa tressé",
            "--price",
            "70",
        ],
    );
    let id = added.json()["listing"]["id"].as_str().unwrap().to_owned();
    let photo = dir.path().join("plateau.jpg");
    crate::photos::write_jpeg(&photo, 1600, 1200);
    let imported = hanout(
        data,
        &[
            "--json",
            "photos",
            "import",
            photo.to_str().unwrap(),
            "--listing",
            &id,
        ],
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);

    let file = dir.path().join("catalogue.pdf");
    let printed = hanout(
        data,
        &[
            "--json",
            "--lang",
            "fr",
            "catalogue",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(printed.code, 0, "{} {}", printed.stdout, printed.stderr);
    let text = flat(&pdf::text(&file, &[]));
    assert!(text.contains("Plateau en alfa tressé"), "{text}");
    assert!(text.contains("70.00 MAD"), "{text}");
    // The photo is in: a JPEG image on the product's page (`pdfimages`).
    let images = std::process::Command::new("pdfimages")
        .args(["-list", "-f", "2", "-l", "2"])
        .arg(&file)
        .output()
        .unwrap();
    let images = String::from_utf8(images.stdout).unwrap();
    assert!(images.lines().any(|l| l.contains("jpeg")), "{images}");
}
