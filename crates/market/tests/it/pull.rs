//! `GET /v1/pull`: a cooperative's devices see each other's changes and the
//! moderators' decisions, and nothing of other cooperatives.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::admin;
use protocol::{ErrorKind, ModerationState, PulledListing};
use uuid::Uuid;

use crate::{delete, error_kind, get, test_market, upsert};

fn ids(changes: &[PulledListing]) -> Vec<Uuid> {
    changes.iter().map(|c| c.listing_id).collect()
}

#[tokio::test]
async fn another_device_of_the_cooperative_pulls_what_the_first_pushed() {
    let t = test_market();
    let laptop = t.enroll("atlas").await;
    let phone = t.enroll("atlas").await;
    let id = Uuid::now_v7();

    let empty = t.pull(&phone.token, None, None).await;
    assert!(empty.changes.is_empty());
    assert!(!empty.more);

    t.push(&laptop.token, vec![upsert(id, "Tapis Azilal", 320_000, 7)])
        .await;
    let pulled = t.pull(&phone.token, Some(&empty.cursor), None).await;
    assert_eq!(ids(&pulled.changes), [id]);
    let change = &pulled.changes[0];
    assert!(!change.deleted);
    assert_eq!(change.moderation, ModerationState::Approved);
    let listing = change.listing.as_ref().unwrap();
    assert_eq!(listing.title.fr.as_deref(), Some("Tapis Azilal"));
    assert_eq!(
        (listing.price_centimes, listing.updated_at_ms),
        (320_000, 7)
    );

    // Seen: the next pull from the new cursor is empty, until a delete.
    let again = t.pull(&phone.token, Some(&pulled.cursor), None).await;
    assert!(again.changes.is_empty());
    assert_eq!(again.cursor, pulled.cursor);
    t.push(&laptop.token, vec![delete(id)]).await;
    let deleted = t.pull(&phone.token, Some(&pulled.cursor), None).await;
    assert_eq!(ids(&deleted.changes), [id]);
    assert!(deleted.changes[0].deleted);
}

#[tokio::test]
async fn a_rejection_reason_arrives_through_pull() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let seen = t.pull(&device.token, None, None).await;

    admin::reject_listing(&t.market, id, "La photo montre un autre produit").unwrap();
    let pulled = t.pull(&device.token, Some(&seen.cursor), None).await;
    assert_eq!(ids(&pulled.changes), [id]);
    assert_eq!(pulled.changes[0].moderation, ModerationState::Rejected);
    assert_eq!(
        pulled.changes[0].rejection_reason.as_deref(),
        Some("La photo montre un autre produit")
    );
}

#[tokio::test]
async fn another_cooperative_sees_nothing() {
    let t = test_market();
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    let id = Uuid::now_v7();
    t.push(&atlas.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    admin::reject_listing(&t.market, id, "non").unwrap();
    assert!(t.pull(&rif.token, None, None).await.changes.is_empty());
    assert_eq!(ids(&t.pull(&atlas.token, None, None).await.changes), [id]);
}

#[tokio::test]
async fn pulls_are_paged() {
    let t = test_market();
    let laptop = t.enroll("atlas").await;
    let phone = t.enroll("atlas").await;
    let pushed: Vec<Uuid> = (0..7).map(|_| Uuid::now_v7()).collect();
    let changes = pushed
        .iter()
        .enumerate()
        .map(|(i, &id)| upsert(id, &format!("Bol {i}"), 100, 1))
        .collect();
    t.push(&laptop.token, changes).await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = t.pull(&phone.token, cursor.as_deref(), Some(3)).await;
        assert!(page.changes.len() <= 3);
        seen.extend(ids(&page.changes));
        cursor = Some(page.cursor);
        pages += 1;
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, pushed, "each change once, oldest first");
}

#[tokio::test]
async fn pull_needs_a_token_and_a_real_cursor() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let (status, body) = t.send(get("/v1/pull")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), ErrorKind::Unauthorized);

    for query in ["since=abc", "since=-1", "limit=x"] {
        let request = Request::get(format!("/v1/pull?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
            .body(Body::empty())
            .unwrap();
        let (status, body) = t.send(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error_kind(&body), ErrorKind::BadRequest);
    }
}
