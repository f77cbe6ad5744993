//! Photos in the real window: the `import_photos` command runs the pipeline,
//! streams progress on a channel, attaches the photos, and the row shows them.
//! (The system file dialog cannot be driven by WebDriver, so the test calls
//! the command the dialog's button calls, from inside the page.)

use e2e::{TauriDriver, click, type_into, wait_for};

#[tokio::test(flavor = "multi_thread")]
async fn photos_are_imported_and_attached() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("tapis.jpg");
    image::RgbImage::from_fn(2400, 1600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 60])
    })
    .save(&good)
    .unwrap();
    let bad = dir.path().join("iphone.heic");
    std::fs::write(&bad, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic").unwrap();

    let driver = TauriDriver::start(&[(
        "HANOUT_DATA_DIR",
        dir.path().join("app").to_string_lossy().into_owned(),
    )]);
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-en]").await;
    type_into(&client, "[data-testid=title-input]", "Tapis Azilal").await;
    type_into(&client, "[data-testid=price-input]", "3200").await;
    click(&client, "[data-testid=save-button]").await;
    let row = wait_for(&client, "[data-testid=listing]").await;
    let id = row
        .attr("data-id")
        .await
        .unwrap()
        .expect("rows carry their id");
    wait_for(&client, "[data-testid=photo-count][data-count='0']").await;

    let report = client
        .execute_async(
            r#"const [id, paths, done] = arguments;
               const progress = [];
               const channel = window.__TAURI_INTERNALS__.transformCallback((p) => progress.push(p));
               window.__TAURI_INTERNALS__
                 .invoke("import_photos", { listingId: id, paths, onProgress: `__CHANNEL__:${channel}` })
                 .then((r) => done({ ok: r, progress }), (e) => done({ err: e }));"#,
            vec![id.into(), serde_json::json!([good, bad])],
        )
        .await
        .unwrap();
    assert!(report.get("err").is_none(), "{report}");
    assert_eq!(report["ok"]["imported"], 1, "{report}");
    assert_eq!(report["ok"]["failed"][0]["kind"], "heic");
    assert_eq!(report["ok"]["listing"]["photoCount"], 1);

    // The row follows (the save woke sync, whose status event refreshes the list).
    wait_for(&client, "[data-testid=photo-count][data-count='1']").await;
    let photos: Vec<_> = walk(&dir.path().join("app/photos"));
    assert_eq!(photos.len(), 2, "display and thumb, by hash: {photos:?}");
    client.close().await.unwrap();
    drop(driver);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}
