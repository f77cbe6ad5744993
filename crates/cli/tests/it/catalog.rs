use crate::{DEMO_CSV, hanout};

#[test]
fn add_show_edit_search_archive() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let added = hanout(
        d,
        &[
            "--json",
            "listing",
            "add",
            "--title-ar",
            "طاجين آسفي",
            "--title-fr",
            "Tajine de Safi",
            "--price",
            "٢٥٠",
            "--category",
            "pottery",
            "--tags",
            "fait main, émail",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let listing = &added.json()["listing"];
    let id = listing["id"].as_str().unwrap().to_owned();
    assert_eq!(listing["price_centimes"], 25_000);
    assert_eq!(listing["price_mad"], "250.00");
    assert_eq!(listing["category"], "pottery");
    assert_eq!(listing["tags"], serde_json::json!(["fait main", "émail"]));
    assert_eq!(listing["sync"], "waiting");

    let edited = hanout(
        d,
        &[
            "--json", "listing", "edit", &id, "--price", "275,50", "--stock", "4",
        ],
    );
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    assert_eq!(edited.json()["listing"]["price_centimes"], 27_550);
    assert_eq!(edited.json()["listing"]["titles"]["fr"], "Tajine de Safi");

    let shown = hanout(d, &["--json", "listing", "show", &id]);
    assert_eq!(shown.json()["listing"]["stock"], 4);

    // Search with Arabic normalisation: no hamza on the alef, ه for ة.
    let found = hanout(d, &["--json", "listing", "search", "اسفي"]);
    assert_eq!(found.json()["listings"].as_array().unwrap().len(), 1);
    assert_eq!(
        hanout(d, &["--json", "listing", "search", "tajine saf"]).json()["listings"][0]["id"],
        id.as_str()
    );
    assert!(
        hanout(d, &["--json", "listing", "search", "tapis"]).json()["listings"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let archived = hanout(d, &["--json", "listing", "archive", &id]);
    assert_eq!(archived.json()["listing"]["status"], "archived");
    let ready = hanout(d, &["--json", "listing", "list", "--status", "ready"]);
    assert!(ready.json()["listings"].as_array().unwrap().is_empty());

    // Text output, in French.
    let text = hanout(d, &["--lang", "fr", "listing", "show", &id]);
    assert!(
        text.stdout.contains("275.50 MAD") && text.stdout.contains("en attente"),
        "{}",
        text.stdout
    );
}

#[test]
fn validation_errors_are_typed_and_translated() {
    let dir = tempfile::tempdir().unwrap();
    let bad = hanout(
        dir.path(),
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Tapis",
            "--price=-5",
        ],
    );
    assert_eq!(bad.code, 2);
    assert_eq!(bad.json()["error"]["kind"], "validation");
    let ar = hanout(
        dir.path(),
        &[
            "--lang",
            "ar",
            "listing",
            "add",
            "--title-fr",
            "Tapis",
            "--price",
            "abc",
        ],
    );
    assert_eq!(ar.code, 2);
    assert!(ar.stderr.contains("السعر: ليس رقمًا"), "{}", ar.stderr);
    let no_title = hanout(
        dir.path(),
        &["--lang", "en", "listing", "add", "--price", "5"],
    );
    assert_eq!(no_title.code, 2);
    assert!(
        no_title.stderr.contains("at least one title"),
        "{}",
        no_title.stderr
    );
    let unknown = hanout(dir.path(), &["listing", "show", "not-an-id"]);
    assert_eq!(unknown.code, 2);
}

#[test]
fn csv_import_reports_rows_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = dir.path().join("mixed.csv");
    std::fs::write(
        &csv,
        "title_fr;price_mad;category\nTapis;1 200,50;carpets\nMiel;;food\nAmlou;95;nourriture\n",
    )
    .unwrap();

    let dry = hanout(
        d,
        &[
            "--json",
            "import",
            "csv",
            csv.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_eq!(dry.code, 1, "some rows failed");
    let report = dry.json();
    assert_eq!(report["valid"], 1);
    assert_eq!(report["imported"], 0);
    assert_eq!(report["separator"], ";");
    assert_eq!(report["errors"][0]["row"], 3);
    assert_eq!(report["errors"][0]["column"], "price_mad");
    assert_eq!(report["errors"][0]["reason"], "required");
    assert_eq!(report["errors"][1]["row"], 4);
    assert_eq!(report["errors"][1]["column"], "category");
    assert!(
        hanout(d, &["--json", "listing", "list"]).json()["listings"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let demo = hanout(d, &["--json", "import", "csv", DEMO_CSV]);
    assert_eq!(demo.code, 0, "{}", demo.stdout);
    assert_eq!(demo.json()["imported"], 32);

    let exported = dir.path().join("export.csv");
    let export = hanout(d, &["--json", "export", "csv", exported.to_str().unwrap()]);
    assert_eq!(export.json()["exported"], 32);

    let other = tempfile::tempdir().unwrap();
    let again = hanout(
        other.path(),
        &["--json", "import", "csv", exported.to_str().unwrap()],
    );
    assert_eq!(again.json()["imported"], 32);
    let list = |dir: &std::path::Path| {
        let mut all =
            hanout(dir, &["--json", "listing", "list", "--limit", "100"]).json()["listings"]
                .as_array()
                .unwrap()
                .clone();
        for l in &mut all {
            l.as_object_mut().unwrap().remove("updated_at_ms");
        }
        all.sort_by_key(|l| l["id"].as_str().unwrap().to_owned());
        all
    };
    assert_eq!(list(other.path()), list(d));
}

#[test]
fn status_counts_what_waits() {
    let dir = tempfile::tempdir().unwrap();
    hanout(dir.path(), &["import", "csv", DEMO_CSV]);
    let status = hanout(dir.path(), &["--json", "status"]).json();
    assert_eq!(status["listings"], 32);
    assert_eq!(status["waiting"], 32);
    assert_eq!(status["live"], 0);
    assert_eq!(status["enrolled"], false);
}

/// While the app sends photos, `status` says how far it got (the engine
/// writes `sync-progress.json` next to the catalog every second).
#[test]
fn status_shows_the_photos_on_their_way() {
    let dir = tempfile::tempdir().unwrap();
    let added = hanout(
        dir.path(),
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
    .json();
    let id: store::ListingId = added["listing"]["id"].as_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let up = sync::Uploading {
        bytes_sent: 3_200_000,
        bytes_total: 15_700_000,
        rate_bytes_per_s: Some(124_000),
        seconds_left: Some(101),
        listings: vec![sync::ListingPhotos {
            listing_id: id,
            sent: 1,
            total: 3,
        }],
    };
    sync::write_progress(dir.path(), Some(&up), now).unwrap();
    let status = hanout(dir.path(), &["--json", "status"]).json();
    let shown = &status["uploading"];
    assert_eq!(shown["bytes_sent"], 3_200_000);
    assert_eq!(shown["bytes_total"], 15_700_000);
    assert_eq!(shown["rate_bytes_per_s"], 124_000);
    assert_eq!(shown["seconds_left"], 101);
    assert_eq!(shown["listings"][0]["title"], "Tapis Azilal");
    assert_eq!(shown["listings"][0]["photos_sent"], 1);
    assert_eq!(shown["listings"][0]["photos"], 3);
    let text = hanout(dir.path(), &["--lang", "fr", "status"]).stdout;
    assert!(
        text.contains("photos: 3.2 MB sur 15.7 MB envoyés, 124 kB/s, encore environ 1 min 41 s"),
        "{text}"
    );
    assert!(text.contains("Tapis Azilal: photos 1 sur 3"), "{text}");

    // Gone (or stale) when nothing is on its way: nothing shown.
    sync::write_progress(dir.path(), None, now).unwrap();
    assert!(hanout(dir.path(), &["--json", "status"]).json()["uploading"].is_null());
}
