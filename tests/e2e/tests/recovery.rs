//! A damaged catalog file at start-up: the real window opens anyway, on the
//! latest backup, and says so; the damaged file is kept. Damage that only
//! the check beside the start finds: nothing is read from or written to
//! the file, the window says to restart, and the next start restores.

use std::time::{Duration, Instant};

use e2e::{TauriDriver, click, wait_count, wait_for};
use fantoccini::{Client, Locator};

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_catalog_opens_on_its_latest_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("app");
    let catalog = catalog_backed_up(&data, 150, "Tapis Azilal");
    // Its first page (which opening reads) damaged.
    let mut bytes = std::fs::read(&catalog).unwrap();
    for b in &mut bytes[..4096] {
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

#[tokio::test(flavor = "multi_thread")]
async fn damage_found_beside_the_start_is_said_and_the_next_start_restores() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("app");
    let catalog = catalog_backed_up(&data, 2000, "Jarre de Safi");
    // Damaged in the middle (the listings' pages), where opening does not
    // look: only the check finds it.
    let mut bytes = std::fs::read(&catalog).unwrap();
    let middle = bytes.len() / 2 / 4096 * 4096;
    for b in &mut bytes[middle..middle + 8192] {
        *b = 0x5A;
    }
    std::fs::write(&catalog, &bytes).unwrap();
    let env = [("HANOUT_DATA_DIR", data.to_string_lossy().into_owned())];

    let driver = TauriDriver::start(&env);
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-en]").await;
    wait_alert(&client, "restart Hanout to restore the latest backup").await;
    assert_eq!(count(&client, "[data-testid=listing]").await, 0);
    assert!(data.join("catalog.check-failed").exists());
    client.close().await.unwrap();
    drop(driver);

    let driver = TauriDriver::start(&env);
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
    wait_count(&client, "[data-testid=listing]", 50).await;
    assert!(!data.join("catalog.check-failed").exists());
    client.close().await.unwrap();
    drop(driver);
}

/// A catalog in `data` of `n` listings titled `title` and a number, backed
/// up; its path.
fn catalog_backed_up(data: &std::path::Path, n: i64, title: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(data).unwrap();
    let catalog = data.join("catalog.db");
    let mut store = store::open(&catalog).unwrap();
    for i in 0..n {
        let new = store::NewListing::new(
            store::Titles::from_single(&format!("{title} {i}")),
            store::Price::parse("3200").unwrap(),
        )
        .unwrap();
        store.create_listing(new, i).unwrap();
    }
    store.rolling_backup("e2e").unwrap();
    catalog
}

async fn count(client: &Client, css: &str) -> usize {
    client
        .find_all(Locator::Css(css))
        .await
        .map_or(0, |v| v.len())
}

/// Waits for an alert saying `text`.
async fn wait_alert(client: &Client, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for alert in client
            .find_all(Locator::Css("[role=alert]"))
            .await
            .unwrap_or_default()
        {
            if alert.text().await.unwrap_or_default().contains(text) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "no alert said {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
