//! A new laptop connects itself: no address or code in the environment,
//! the manager types the marketplace's address and the one-time code in
//! the window, and the listing saved next goes live.

use e2e::{TauriDriver, app_env, click, type_into, wait_for};
use test_support::TestMarket;

#[tokio::test(flavor = "multi_thread")]
async fn the_manager_connects_the_laptop_from_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "rif", "Coopérative du Rif").unwrap();
    let code = market::admin::enrollment_code(&market, "rif").unwrap();
    let server = TestMarket::start(market).await;

    let driver = TauriDriver::start(&app_env(dir.path(), &[]));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for(
        &client,
        "[data-testid=sync-status][data-connection=not_configured]",
    )
    .await;

    // A mistyped address is refused in the user's language, nothing saved.
    let url = wait_for(&client, "[data-testid=market-url-input]").await;
    url.send_keys("ftp://souk").await.unwrap();
    let code_input = wait_for(&client, "[data-testid=enroll-code-input]").await;
    code_input.send_keys(&code).await.unwrap();
    click(&client, "[data-testid=connect-button]").await;
    let refused = wait_for(&client, "[data-testid=field-error-market-url]").await;
    assert!(
        refused.text().await.unwrap().contains("n’est pas valide"),
        "{:?}",
        refused.text().await
    );

    url.clear().await.unwrap();
    url.send_keys(&server.url()).await.unwrap();
    click(&client, "[data-testid=connect-button]").await;
    let panel = wait_for(
        &client,
        "[data-testid=connection-panel][data-enrolled=true]",
    )
    .await;
    let said = panel.text().await.unwrap();
    assert!(said.contains("Coopérative du Rif"), "{said}");

    type_into(&client, "[data-testid=title-input]", "Babouches brodées").await;
    type_into(&client, "[data-testid=price-input]", "180").await;
    click(&client, "[data-testid=save-button]").await;
    wait_for(&client, "[data-testid=listing][data-sync=live]").await;
    let catalog = server.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].cooperative.slug, "rif");

    client.close().await.unwrap();
    drop(driver);
}
