//! Moderation: `auto` publishes pushed listings at once, `manual` holds them
//! until an operator approves; a rejection takes a listing down.

use axum::http::StatusCode;
use market::{ModerationPolicy, admin};
use protocol::{ListingField, ModerationState, Outcome};
use uuid::Uuid;

use crate::listing_photos::set_photos;
use crate::photos::{photo, upload};
use crate::status::set_status;
use crate::{TestMarket, delete, get, test_market, test_market_with, upsert};

async fn html(t: &TestMarket) -> String {
    let (status, body) = t.send(get("/?lang=fr")).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn auto_moderation_publishes_at_once_and_a_rejection_takes_down() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    assert_eq!(t.catalog_ids().await, [id]);

    admin::reject_listing(&t.market, id, "La photo est floue").unwrap();
    assert!(t.catalog_ids().await.is_empty());
    let pulled = t.pull(&device.token, None, None).await;
    assert_eq!(pulled.changes[0].moderation, ModerationState::Rejected);

    // Under `auto`, a rejection holds whatever the device pushes next — a
    // sale, a new title — until an operator acts.
    let mut sale = upsert(id, "Tapis", 100, 2);
    sale.fields = Some(vec![ListingField::Stock]);
    sale.stock_delta = Some(-1);
    t.push(&device.token, vec![sale, upsert(id, "Tapis net", 100, 3)])
        .await;
    assert!(t.catalog_ids().await.is_empty());
    let pulled = t.pull(&device.token, None, None).await;
    assert_eq!(pulled.changes[0].moderation, ModerationState::Rejected);
    assert_eq!(
        pulled.changes[0].rejection_reason.as_deref(),
        Some("La photo est floue")
    );
    admin::approve_listing(&t.market, id).unwrap();
    assert_eq!(t.catalog_ids().await, [id]);
}

/// The moderation state and reason of the only listing `token` pulls.
async fn state(t: &TestMarket, token: &str) -> (ModerationState, Option<String>) {
    let pulled = t.pull(token, None, None).await;
    let change = &pulled.changes[0];
    (change.moderation, change.rejection_reason.clone())
}

/// Under `manual`, what re-opens review is a change a buyer would see;
/// stock, status and the device's own `updated_at_ms` never do.
#[tokio::test]
async fn manual_review_reopens_only_for_what_a_buyer_sees() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    admin::approve_listing(&t.market, id).unwrap();

    let mut sale = upsert(id, "Tapis", 100, 2);
    sale.fields = Some(vec![ListingField::Stock]);
    sale.stock_delta = Some(-1);
    // The same content again, only the device's timestamp moved.
    let touched = upsert(id, "Tapis", 100, 3);
    t.push(&device.token, vec![sale, touched]).await;
    t.push(&device.token, vec![set_status(id, "archived", 4)])
        .await;
    assert!(t.catalog_ids().await.is_empty(), "archived");
    t.push(&device.token, vec![set_status(id, "published", 5)])
        .await;
    assert_eq!(t.catalog_ids().await, [id], "back without a new review");
    assert_eq!(state(&t, &device.token).await.0, ModerationState::Approved);

    // A new price is something a buyer sees.
    t.push(&device.token, vec![upsert(id, "Tapis", 150, 6)])
        .await;
    assert_eq!(state(&t, &device.token).await.0, ModerationState::Pending);
    assert!(t.catalog_ids().await.is_empty());

    // A rejected listing the cooperative fixes goes back to the queue,
    // without the old reason; a sale alone leaves the rejection as it is.
    admin::reject_listing(&t.market, id, "Prix trop bas").unwrap();
    let mut sale = upsert(id, "Tapis", 150, 7);
    sale.fields = Some(vec![ListingField::Stock]);
    sale.stock_delta = Some(-1);
    t.push(&device.token, vec![sale]).await;
    assert_eq!(
        state(&t, &device.token).await,
        (ModerationState::Rejected, Some("Prix trop bas".to_owned()))
    );
    t.push(&device.token, vec![upsert(id, "Tapis", 90_000, 8)])
        .await;
    assert_eq!(
        state(&t, &device.token).await,
        (ModerationState::Pending, None)
    );
}

#[tokio::test]
async fn other_photos_send_a_listing_back_to_review_in_manual_mode() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let display = upload(&t, &device.token, &photo(1, 5_000)).await;
    let thumb = upload(&t, &device.token, &photo(2, 1_000)).await;
    admin::approve_listing(&t.market, id).unwrap();

    let (status, _) = t
        .send(set_photos(id, &device.token, &[(&display, &thumb)]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(t.catalog_ids().await.is_empty());
    assert_eq!(state(&t, &device.token).await.0, ModerationState::Pending);

    admin::approve_listing(&t.market, id).unwrap();
    // The same list again is no change: the listing stays approved.
    let (status, _) = t
        .send(set_photos(id, &device.token, &[(&display, &thumb)]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.catalog_ids().await, [id]);
    let (status, _) = t.send(set_photos(id, &device.token, &[])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(t.catalog_ids().await.is_empty());
}

#[tokio::test]
async fn photos_do_not_lift_a_rejection_under_auto() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let display = upload(&t, &device.token, &photo(3, 5_000)).await;
    admin::reject_listing(&t.market, id, "Photo d'un autre").unwrap();
    let (status, _) = t
        .send(set_photos(id, &device.token, &[(&display, &display)]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(t.catalog_ids().await.is_empty());
    assert_eq!(state(&t, &device.token).await.0, ModerationState::Rejected);
}

#[tokio::test]
async fn manual_moderation_holds_listings_until_approved() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let (kept, refused) = (Uuid::now_v7(), Uuid::now_v7());
    let pushed = t
        .push(
            &device.token,
            vec![upsert(kept, "Tapis", 100, 1), upsert(refused, "Bol", 50, 1)],
        )
        .await;
    assert!(pushed.results.iter().all(|r| r.outcome == Outcome::Applied));
    assert!(t.catalog_ids().await.is_empty(), "nothing before approval");

    assert!(!html(&t).await.contains("Tapis"), "nor on the HTML page");

    admin::approve_listing(&t.market, kept).unwrap();
    admin::reject_listing(&t.market, refused, "Prix manquant").unwrap();
    assert_eq!(t.catalog_ids().await, [kept]);
    let page = html(&t).await;
    assert!(page.contains("Tapis") && !page.contains("Bol"), "{page}");

    // An edit goes back to the moderator: the approved text is not the new one.
    t.push(&device.token, vec![upsert(kept, "Tapis rouge", 100, 2)])
        .await;
    assert!(t.catalog_ids().await.is_empty());
    let states: Vec<_> = t
        .pull(&device.token, None, None)
        .await
        .changes
        .into_iter()
        .map(|c| (c.listing_id, c.moderation, c.rejection_reason))
        .collect();
    assert_eq!(
        states,
        [
            (
                refused,
                ModerationState::Rejected,
                Some("Prix manquant".to_owned())
            ),
            (kept, ModerationState::Pending, None),
        ]
    );
    admin::approve_listing(&t.market, kept).unwrap();
    assert_eq!(t.catalog_ids().await, [kept]);
}

#[tokio::test]
async fn moderating_needs_a_live_listing_and_a_reason() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let unknown = Uuid::now_v7();
    let err = admin::approve_listing(&t.market, unknown).unwrap_err();
    assert!(err.to_string().contains(&unknown.to_string()), "{err}");

    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let err = admin::reject_listing(&t.market, id, "  ").unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    assert_eq!(t.catalog_ids().await, [id]);

    t.push(&device.token, vec![delete(id)]).await;
    assert!(admin::approve_listing(&t.market, id).is_err());
    assert!(t.catalog_ids().await.is_empty());
}
