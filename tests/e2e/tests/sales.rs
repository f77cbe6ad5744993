//! Selling at the stand, in the real app: stock delivered, a sale typed by
//! keyboard (quantity, price paid, note), the day's journal with its total,
//! undoing the last sale, selling out. No marketplace: all of it is local
//! first.

use e2e::{TauriDriver, app_env, attr, click, press, type_into, wait_count, wait_for};

const ENTER: &str = "\u{E007}";

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_typed_at_the_stand_counts_in_the_journal_and_can_be_undone() {
    let dir = tempfile::tempdir().unwrap();
    let driver = TauriDriver::start(&app_env(dir.path(), &[]));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    type_into(&client, "[data-testid=title-input]", "Tapis Azilal").await;
    type_into(&client, "[data-testid=price-input]", "3200").await;
    click(&client, "[data-testid=save-button]").await;
    wait_count(&client, "[data-testid=listing]", 1).await;
    wait_for(&client, "[data-testid=sales-summary][data-count='0']").await;
    let start: u32 = attr(&client, "[data-testid=stock]", "data-stock")
        .await
        .parse()
        .unwrap();

    // Delivered: 3 more. The quantity field has focus, its text selected.
    click(&client, "[data-testid=restock]").await;
    wait_for(&client, "[data-testid=sale-form][data-mode=stock]").await;
    press(&client, &format!("3{ENTER}")).await;
    wait_for(
        &client,
        &format!("[data-testid=stock][data-stock='{}']", start + 3),
    )
    .await;

    // A sale of 2 at the price actually paid, with a note, by keyboard.
    click(&client, "[data-testid=sell]").await;
    wait_for(&client, "[data-testid=sale-form][data-mode=sale]").await;
    press(&client, "2").await;
    type_into(&client, "[data-testid=sale-price]", "3000").await;
    type_into(&client, "[data-testid=sale-note]", "client de Fès").await;
    press(&client, ENTER).await;
    wait_for(
        &client,
        &format!("[data-testid=stock][data-stock='{}']", start + 1),
    )
    .await;
    let done = wait_for(&client, "[data-testid=sale-done]").await;
    assert!(done.text().await.unwrap().starts_with("Vendu : 2 × "));
    // The journal: one sale, 2 units, 6 000 MAD (what was paid, not the price).
    wait_for(
        &client,
        "[data-testid=sales-summary][data-count='1'][data-total='600000']",
    )
    .await;
    wait_for(&client, "[data-testid=sales-line][data-units='2']").await;

    // Undone: the units go back, the journal is empty again.
    click(&client, "[data-testid=undo-sale]").await;
    wait_for(&client, "[data-testid=sales-summary][data-count='0']").await;
    wait_for(
        &client,
        &format!("[data-testid=stock][data-stock='{}']", start + 3),
    )
    .await;

    // Selling everything: sold out in the row and in the journal.
    click(&client, "[data-testid=sell]").await;
    wait_for(&client, "[data-testid=sale-form][data-mode=sale]").await;
    press(&client, &format!("{}{ENTER}", start + 3)).await;
    wait_for(&client, "[data-testid=stock][data-stock='0']").await;
    wait_for(&client, "[data-testid=sales-line][data-sold-out=true]").await;
    let sell = wait_for(&client, "[data-testid=sell]").await;
    assert!(!sell.is_enabled().await.unwrap(), "nothing left to sell");
    client.close().await.unwrap();
}
