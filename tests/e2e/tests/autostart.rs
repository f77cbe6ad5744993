//! Starting at login: the checkbox in the window writes (and removes) the
//! desktop's login item, which starts the app in the background.

use e2e::{TauriDriver, wait_for};

#[tokio::test(flavor = "multi_thread")]
async fn the_login_item_follows_the_checkbox() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let autostart_dir = home.join(".config/autostart");
    let driver = TauriDriver::start(&[
        (
            "HANOUT_DATA_DIR",
            dir.path().join("app").to_string_lossy().into_owned(),
        ),
        ("HOME", home.to_string_lossy().into_owned()),
        (
            "XDG_CONFIG_HOME",
            home.join(".config").to_string_lossy().into_owned(),
        ),
    ]);
    let client = driver.connect().await;

    let toggle = wait_for(&client, "[data-testid=autostart-toggle]").await;
    assert_eq!(
        toggle.prop("checked").await.unwrap().as_deref(),
        Some("false")
    );
    toggle.click().await.unwrap();
    // The box ticks at the click; the login item is written when the app
    // answers, which `data-confirmed` reports.
    wait_for(
        &client,
        "[data-testid=autostart-toggle][data-confirmed=true]:checked",
    )
    .await;
    let items: Vec<_> = std::fs::read_dir(&autostart_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(items.len(), 1, "{items:?}");
    let entry = std::fs::read_to_string(&items[0]).unwrap();
    assert!(entry.contains("hanout-app"), "{entry}");
    assert!(entry.contains("--background"), "{entry}");

    toggle.click().await.unwrap();
    wait_for(
        &client,
        "[data-testid=autostart-toggle][data-confirmed=false]:not(:checked)",
    )
    .await;
    assert!(!items[0].exists(), "the login item is gone");

    client.close().await.unwrap();
    drop(driver);
}
