//! A damaged catalog file at start-up: the real window opens anyway, on the
//! latest backup, and says so; the damaged file is kept.

use e2e::{TauriDriver, click, wait_count, wait_for};

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_catalog_opens_on_its_latest_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("app");
    std::fs::create_dir_all(&data).unwrap();
    let catalog = data.join("catalog.db");
    {
        let mut store = store::open(&catalog).unwrap();
        for i in 0..150 {
            let new = store::NewListing::new(
                store::Titles::from_single(&format!("Tapis Azilal {i}")),
                store::Price::parse("3200").unwrap(),
            )
            .unwrap();
            store.create_listing(new, i).unwrap();
        }
        store.rolling_backup("e2e").unwrap();
    }
    let mut bytes = std::fs::read(&catalog).unwrap();
    for b in &mut bytes[8_192..16_384] {
        *b = 0x5A;
    }
    std::fs::write(&catalog, &bytes).unwrap();

    let driver = TauriDriver::start(&[("HANOUT_DATA_DIR", data.to_string_lossy().into_owned())]);
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-en]").await;
    let notice = wait_for(&client, "[data-testid=recovery-notice]").await;
    assert!(
        notice
            .text()
            .await
            .unwrap()
            .contains("restored your latest backup")
    );
    // Every listing of the backup is there, a page at a time.
    for shown in [50, 100, 150] {
        wait_count(&client, "[data-testid=listing]", shown).await;
        if shown < 150 {
            click(&client, "[data-testid=show-more]").await;
        }
    }

    let kept: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("damaged"))
        .collect();
    assert!(!kept.is_empty(), "the damaged file is kept");
    client.close().await.unwrap();
    drop(driver);
}
