//! The walking skeleton, end to end, in the real window: save a listing
//! with the marketplace down, see it waiting, bring the marketplace up, see
//! it go live, find it in the marketplace's API.

use std::path::PathBuf;

use e2e::{TauriDriver, app_env, click, type_into, wait_for, wait_gone};
use test_support::{TestMarket, free_addr};

const TITLE: &str = "زربية بني ورين من الصوف الطبيعي";

#[tokio::test(flavor = "multi_thread")]
async fn save_offline_then_go_live() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas — تعاونية الأطلس").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let addr = free_addr(); // nothing listens here yet: the marketplace is down

    let driver = TauriDriver::start(&app_env(
        dir.path(),
        &[
            ("HANOUT_MARKET_URL", format!("http://{addr}")),
            ("HANOUT_ENROLL_CODE", code),
        ],
    ));
    let client = driver.connect().await;

    click(&client, "[data-testid=lang-fr]").await;
    type_into(&client, "[data-testid=title-input]", TITLE).await;
    type_into(&client, "[data-testid=price-input]", "4 500").await;
    click(&client, "[data-testid=save-button]").await;

    let waiting = wait_for(&client, "[data-testid=listing][data-sync=waiting]").await;
    assert!(waiting.text().await.unwrap().contains(TITLE));
    wait_for(
        &client,
        "[data-testid=sync-status][data-connection=offline][data-pending='1']",
    )
    .await;

    let server = TestMarket::start_at(market, addr).await;
    let live = wait_for(&client, "[data-testid=listing][data-sync=live]").await;
    assert!(live.text().await.unwrap().contains(TITLE));
    wait_for(
        &client,
        "[data-testid=sync-status][data-connection=online][data-pending='0']",
    )
    .await;

    let catalog = server.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].title.ar.as_deref(), Some(TITLE));
    assert_eq!(catalog.listings[0].price_centimes, 450_000);

    // Search as the user types, with Arabic normalisation (ة typed as ه).
    let search = wait_for(&client, "[data-testid=search-input]").await;
    search.send_keys("tajine").await.unwrap();
    wait_gone(&client, "[data-testid=listing]").await;
    search.clear().await.unwrap();
    search.send_keys("زربيه ورين").await.unwrap();
    wait_for(&client, "[data-testid=listing][data-sync=live]").await;
    // WebDriver's clear fires no input event: type and erase a letter so the
    // query becomes empty the way a user's Backspace makes it.
    search.clear().await.unwrap();
    search.send_keys("x\u{E003}").await.unwrap();

    // Arabic is first-class: the whole window turns right-to-left.
    click(&client, "[data-testid=lang-ar]").await;
    wait_for(&client, "html[dir=rtl][lang=ar]").await;
    save_screenshot(&client, "app-ar.png").await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for(&client, "html[dir=ltr][lang=fr]").await;
    save_screenshot(&client, "app-fr.png").await;

    client.close().await.unwrap();
    drop(driver);
}

async fn save_screenshot(client: &fantoccini::Client, name: &str) {
    // The DOM can change before WebKit paints it: wait for two frames.
    client
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(null)));", vec![])
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}
