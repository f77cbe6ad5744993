//! Moderation: `auto` publishes pushed listings at once, `manual` holds them
//! until an operator approves; a rejection takes a listing down.

use market::{ModerationPolicy, admin};
use protocol::{ModerationState, Outcome};
use uuid::Uuid;

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

    // Under `auto`, an edit is approved again like any pushed content.
    t.push(&device.token, vec![upsert(id, "Tapis net", 100, 2)])
        .await;
    assert_eq!(t.catalog_ids().await, [id]);
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
