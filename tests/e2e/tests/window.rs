//! The window's own behaviour, in the real app: keyboard shortcuts, focus,
//! the unsaved-changes question, the status filter, deleting with a
//! confirmation, and an editor left open while another laptop's change
//! arrives.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::{
    TauriDriver, app_env, click, keys, press, press_ctrl, select, type_into, wait_count,
    wait_focus, wait_for, wait_gone,
};
use test_support::TestMarket;

async fn add_listing(client: &fantoccini::Client, title: &str, price: &str) -> String {
    let before = client
        .find_all(fantoccini::Locator::Css("[data-testid=listing]"))
        .await
        .unwrap()
        .len();
    type_into(client, "[data-testid=title-input]", title).await;
    type_into(client, "[data-testid=price-input]", price).await;
    click(client, "[data-testid=save-button]").await;
    wait_count(client, "[data-testid=listing]", before + 1).await;
    // Newest first.
    wait_for(client, "[data-testid=listing]")
        .await
        .attr("data-id")
        .await
        .unwrap()
        .expect("rows carry their id")
}

#[tokio::test(flavor = "multi_thread")]
async fn shortcuts_focus_status_filter_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    // No marketplace: nothing ever leaves this laptop.
    let driver = TauriDriver::start(&app_env(dir.path(), &[]));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-en]").await;
    let tapis = add_listing(&client, "Tapis Azilal", "3200").await;
    let tajine = add_listing(&client, "Tajine de Safi", "250").await;

    press_ctrl(&client, 'f').await;
    wait_focus(&client, "[data-testid=search-input]").await;

    // Focus moves into the editor; Escape with unsaved changes asks first.
    click(
        &client,
        &format!("[data-testid=edit-listing][data-id='{tajine}']"),
    )
    .await;
    wait_focus(&client, "[data-testid=edit-title-ar-input]").await;
    type_into(&client, "[data-testid=edit-origin-input]", "Safi").await;
    press(&client, &keys::ESCAPE.to_string()).await;
    wait_for(&client, "[data-testid=discard]").await;
    wait_focus(&client, "[data-testid=discard-no]").await;
    press(&client, &keys::ESCAPE.to_string()).await;
    wait_gone(&client, "[data-testid=discard]").await;
    wait_for(&client, "[data-testid=editor][data-dirty=true]").await;

    // The status says what it means for the marketplace; Ctrl+S saves and
    // focus goes back to the row.
    select(&client, "[data-testid=edit-status-input]", "archived").await;
    let means = wait_for(&client, "[data-testid=status-means]").await;
    assert_eq!(
        means.text().await.unwrap(),
        "Taken off the marketplace — kept on this laptop"
    );
    click(&client, "[data-testid=edit-origin-input]").await;
    press_ctrl(&client, 's').await;
    wait_gone(&client, "[data-testid=editor]").await;
    wait_focus(
        &client,
        &format!("[data-testid=edit-listing][data-id='{tajine}']"),
    )
    .await;
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{tajine}'][data-status=archived]"),
    )
    .await;

    // Filter by status.
    select(&client, "[data-testid=status-filter]", "archived").await;
    wait_count(&client, "[data-testid=listing]", 1).await;
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{tajine}']"),
    )
    .await;
    select(&client, "[data-testid=status-filter]", "draft").await;
    wait_gone(&client, "[data-testid=listing]").await;
    select(&client, "[data-testid=status-filter]", "").await;
    wait_count(&client, "[data-testid=listing]", 2).await;

    press_ctrl(&client, 'n').await;
    wait_focus(&client, "[data-testid=title-input]").await;

    // Arabic chosen, the page loads again: lang.js (under the app's CSP)
    // set right-to-left from the saved choice before the app's code ran.
    click(&client, "[data-testid=lang-ar]").await;
    client.refresh().await.unwrap();
    wait_for(&client, "html[data-first-paint=ar][dir=rtl][lang=ar]").await;
    click(&client, "[data-testid=lang-en]").await;
    wait_for(&client, "[data-testid=title-input]").await;

    // Never sent anywhere: deleted for good, after saying so.
    click(
        &client,
        &format!("[data-testid=remove-listing][data-id='{tapis}']"),
    )
    .await;
    let question = wait_for(&client, "[data-testid=remove-confirm]").await;
    let text = question.text().await.unwrap();
    assert!(text.contains("for good"), "{text}");
    wait_focus(&client, "[data-testid=remove-confirm-no]").await;
    click(&client, "[data-testid=remove-confirm-yes]").await;
    wait_for(&client, "[data-testid=remove-notice][data-removal=deleted]").await;
    wait_count(&client, "[data-testid=listing]", 1).await;

    client.close().await.unwrap();
    drop(driver);
    let catalog = store::open(&dir.path().join("app/catalog.db")).unwrap();
    let left: Vec<String> = catalog
        .listings()
        .unwrap()
        .iter()
        .map(|l| l.id.to_string())
        .collect();
    assert_eq!(left, [tajine]);
    assert_eq!(
        catalog.listing(tapis.parse().unwrap()).unwrap(),
        None,
        "gone for good"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_editor_keeps_what_another_laptop_changed_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let other_code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;

    let driver = TauriDriver::start(&app_env(
        dir.path(),
        &[
            ("HANOUT_MARKET_URL", server.url()),
            ("HANOUT_ENROLL_CODE", code),
        ],
    ));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-en]").await;
    let id = add_listing(&client, "Tapis Azilal", "4500").await;
    wait_for(&client, "[data-testid=listing][data-sync=live]").await;

    // The other laptop of the cooperative pulls it.
    let other = {
        let s = store::open(&dir.path().join("other.db")).unwrap();
        s.set_setting(store::SettingKey::MarketUrl, Some(&server.url()))
            .unwrap();
        s.set_setting(store::SettingKey::EnrollCode, Some(&other_code))
            .unwrap();
        Arc::new(Mutex::new(s))
    };
    let engine = sync::Engine::new(
        other.clone(),
        Arc::new(sync::SystemClock),
        sync::Config::default(),
    )
    .unwrap();
    sync::sync_once(&engine).await.unwrap();
    let listing_id: store::ListingId = id.parse().unwrap();
    assert!(other.lock().unwrap().listing(listing_id).unwrap().is_some());

    // The editor opens here; meanwhile the other laptop sells its one and reprices.
    click(
        &client,
        &format!("[data-testid=edit-listing][data-id='{id}']"),
    )
    .await;
    let price = wait_for(&client, "[data-testid=edit-price-input]").await;
    assert_eq!(price.prop("value").await.unwrap().as_deref(), Some("4500"));
    // Two more woven here: 1 → 3 in stock.
    click(&client, "[data-testid=edit-stock-input]").await;
    press_ctrl(&client, 'a').await;
    press(&client, "3").await;
    {
        let mut s = other.lock().unwrap();
        let mut input = s.listing(listing_id).unwrap().unwrap().to_input();
        input.price = store::Price::parse("3900").unwrap();
        input.stock = 0;
        let now = sync::Clock::now_ms(&sync::SystemClock);
        s.update_listing(listing_id, store::NewListing::validate(input).unwrap(), now)
            .unwrap();
    }
    sync::sync_once(&engine).await.unwrap();

    // This laptop pulls it: the editor says so and shows the new price.
    click(&client, "[data-testid=sync-now]").await;
    let notice = wait_for(&client, "[data-testid=changed-underneath]").await;
    let fields = notice.attr("data-fields").await.unwrap().unwrap();
    assert!(
        fields.contains("price") && fields.contains("stock"),
        "{fields}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while price.prop("value").await.unwrap().as_deref() != Some("3900") {
        assert!(Instant::now() < deadline, "the editor kept the old price");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The stock typed here stays as typed (it is the manager's +2).
    let stock = wait_for(&client, "[data-testid=edit-stock-input]").await;
    assert_eq!(stock.prop("value").await.unwrap().as_deref(), Some("3"));

    // Saving keeps the other laptop's price and its sale: 0 + 2 in stock.
    type_into(&client, "[data-testid=edit-origin-input]", "Azilal").await;
    click(&client, "[data-testid=edit-save]").await;
    wait_gone(&client, "[data-testid=editor]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let on_server = loop {
        let catalog = server.catalog().await;
        let found = catalog
            .listings
            .into_iter()
            .find(|l| l.id == listing_id.uuid());
        if let Some(l) = found.filter(|l| l.origin.as_deref() == Some("Azilal")) {
            break l;
        }
        assert!(
            Instant::now() < deadline,
            "the edit never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(on_server.price_centimes, 390_000);
    sync::sync_once(&engine).await.unwrap();
    let on_other = other.lock().unwrap().listing(listing_id).unwrap().unwrap();
    assert_eq!(on_other.origin.as_deref(), Some("Azilal"));
    assert_eq!(on_other.price, store::Price::parse("3900").unwrap());
    assert_eq!(
        on_other.stock, 2,
        "the sale made elsewhere stays, plus the two woven here"
    );

    // Both change the price: the editor shows both values, nothing is
    // written until the manager chooses; here they take the other's.
    click(
        &client,
        &format!("[data-testid=edit-listing][data-id='{id}']"),
    )
    .await;
    click(&client, "[data-testid=edit-price-input]").await;
    press_ctrl(&client, 'a').await;
    press(&client, "4200").await;
    {
        let mut s = other.lock().unwrap();
        let mut input = s.listing(listing_id).unwrap().unwrap().to_input();
        input.price = store::Price::parse("3800").unwrap();
        let now = sync::Clock::now_ms(&sync::SystemClock);
        s.update_listing(listing_id, store::NewListing::validate(input).unwrap(), now)
            .unwrap();
    }
    sync::sync_once(&engine).await.unwrap();
    click(&client, "[data-testid=sync-now]").await;
    wait_for(
        &client,
        "[data-testid=changed-underneath][data-fields=price]",
    )
    .await;
    click(&client, "[data-testid=edit-save]").await;
    let clash = wait_for(&client, "[data-testid=clash][data-field=price]").await;
    let text = clash.text().await.unwrap();
    assert!(text.contains("4200") && text.contains("3800"), "{text}");
    wait_for(
        &client,
        "[data-testid=edit-error][data-kind=edited_meanwhile]",
    )
    .await;
    click(&client, "[data-testid=take-theirs]").await;
    wait_gone(&client, "[data-testid=conflict]").await;
    let price = wait_for(&client, "[data-testid=edit-price-input]").await;
    assert_eq!(price.prop("value").await.unwrap().as_deref(), Some("3800"));
    click(&client, "[data-testid=edit-cancel]").await;
    wait_gone(&client, "[data-testid=editor]").await;
    assert_eq!(
        other
            .lock()
            .unwrap()
            .listing(listing_id)
            .unwrap()
            .unwrap()
            .price,
        store::Price::parse("3800").unwrap()
    );

    // On the marketplace: removing archives it, and says so.
    click(
        &client,
        &format!("[data-testid=remove-listing][data-id='{id}']"),
    )
    .await;
    let question = wait_for(&client, "[data-testid=remove-confirm]").await;
    assert!(question.text().await.unwrap().contains("archived"));
    click(&client, "[data-testid=remove-confirm-yes]").await;
    wait_for(
        &client,
        "[data-testid=remove-notice][data-removal=archived]",
    )
    .await;
    wait_for(
        &client,
        &format!("[data-testid=listing][data-id='{id}'][data-status=archived]"),
    )
    .await;

    // Pausing sync from the window stops it at once, and says so; resuming
    // brings it back online.
    click(&client, "[data-testid=sync-paused-toggle]").await;
    wait_for(&client, "[data-testid=sync-paused]").await;
    click(&client, "[data-testid=sync-paused-toggle]").await;
    wait_gone(&client, "[data-testid=sync-paused]").await;
    wait_for(&client, "[data-testid=sync-status][data-connection=online]").await;

    client.close().await.unwrap();
    drop(driver);
}
