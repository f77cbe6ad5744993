//! The full editor in the real window: a quick listing gets its artisan,
//! origin and description, and the marketplace's public page shows them.

use e2e::{TauriDriver, app_env, click, type_into, wait_for};
use test_support::TestMarket;

#[tokio::test(flavor = "multi_thread")]
async fn details_typed_in_the_editor_reach_the_public_page() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;

    let driver = TauriDriver::start(&app_env(
        dir.path(),
        &[
            ("HANOUT_MARKET_URL", server.url()),
            ("HANOUT_ENROLL_CODE", code),
        ],
    ));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    for (input, text) in [("title-input", "Tajine de Safi"), ("price-input", "250")] {
        type_into(&client, &format!("[data-testid={input}]"), text).await;
    }
    click(&client, "[data-testid=save-button]").await;
    let row = wait_for(&client, "[data-testid=listing][data-sync=live]").await;
    let id = row.attr("data-id").await.unwrap().unwrap();

    click(&client, "[data-testid=edit-listing]").await;
    for (input, text) in [
        ("edit-artisan-input", "Youssef Amellal"),
        ("edit-origin-input", "Safi"),
        ("edit-region-input", "Marrakech-Safi"),
        (
            "edit-descriptionFr-input",
            "Façonné et cuit au four à bois.",
        ),
    ] {
        type_into(&client, &format!("[data-testid={input}]"), text).await;
    }
    click(&client, "[data-testid=edit-save]").await;
    // Saved locally, the editor closes; then the change syncs.
    wait_for(&client, "[data-testid=title-input]").await;
    let page_url = format!("{}/l/{id}?lang=fr", server.url());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        let page = reqwest::get(&page_url).await.unwrap().text().await.unwrap();
        if page.contains("Youssef Amellal") || std::time::Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(page.contains("Youssef Amellal"), "{page}");
    assert!(page.contains("Safi, Marrakech-Safi"), "{page}");
    assert!(page.contains("Façonné et cuit au four à bois."), "{page}");

    client.close().await.unwrap();
    drop(driver);
}
