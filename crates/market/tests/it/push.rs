//! `POST /v1/push`: authentication, idempotency, ownership, validation,
//! last writer wins, deletes.

use std::io::Write as _;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::admin;
use protocol::{
    ChangeResult, ErrorKind, ListingField, MAX_PUSH_CHANGES, Outcome, PushRequest, PushResponse,
    RejectReason,
};
use uuid::Uuid;

use crate::{delete, error_kind, post_json, test_market, upsert};

const FORBIDDEN: Outcome = Outcome::Rejected {
    reason: RejectReason::Forbidden,
};
const INVALID: Outcome = Outcome::Rejected {
    reason: RejectReason::Invalid,
};

fn outcomes(response: &PushResponse) -> Vec<Outcome> {
    response.results.iter().map(|r| r.outcome.clone()).collect()
}

#[tokio::test]
async fn a_pushed_listing_appears_in_the_catalog() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let listing_id = Uuid::now_v7();
    let change = upsert(listing_id, "Tapis Beni Ouarain", 450_000, 1_000);

    let response = t.push(&device.token, vec![change.clone()]).await;
    let version = response.results[0]
        .version
        .expect("an applied change says the listing's version");
    assert_eq!(
        response.results,
        vec![ChangeResult {
            change_id: change.change_id,
            outcome: Outcome::Applied,
            version: Some(version),
            stock: None,
        }]
    );

    let catalog = t.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    let listing = &catalog.listings[0];
    assert_eq!(listing.id, listing_id);
    assert_eq!(listing.title.fr.as_deref(), Some("Tapis Beni Ouarain"));
    assert_eq!(listing.price_centimes, 450_000);
    assert_eq!(listing.updated_at_ms, 1_000);
    assert_eq!(listing.cooperative, device.cooperative);
}

#[tokio::test]
async fn a_push_needs_a_valid_unrevoked_token() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let body = PushRequest {
        changes: vec![upsert(Uuid::now_v7(), "Tapis", 100, 1)],
    };
    admin::revoke_device(&t.market, device.device_id).unwrap();
    let wrong = "0".repeat(64);
    let requests = [
        post_json("/v1/push", None, &body),
        post_json("/v1/push", Some(&wrong), &body),
        post_json("/v1/push", Some(&device.token), &body),
        Request::post("/v1/push")
            .header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
            .body(Body::empty())
            .unwrap(),
    ];
    for request in requests {
        let (status, body) = t.send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_kind(&body), ErrorKind::Unauthorized);
    }
    assert!(t.catalog().await.listings.is_empty());
}

#[tokio::test]
async fn a_replayed_push_is_a_duplicate() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let changes = vec![upsert(Uuid::now_v7(), "Tajine", 25_000, 1)];

    let first = t.push(&device.token, changes.clone()).await;
    assert_eq!(outcomes(&first), [Outcome::Applied]);
    let replay = t.push(&device.token, changes).await;
    assert_eq!(outcomes(&replay), [Outcome::Duplicate]);
    assert_eq!(t.catalog().await.listings.len(), 1);
}

#[tokio::test]
async fn a_duplicate_does_not_undo_a_later_change() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let old = upsert(id, "Old", 100, 1);
    let new = upsert(id, "New", 200, 2);
    t.push(&device.token, vec![old.clone(), new]).await;
    // Even with a later clock, a change id seen before changes nothing.
    let mut replay = old;
    if let protocol::ChangeOp::Upsert { listing } = &mut replay.op {
        listing.updated_at_ms = 99;
    }
    assert_eq!(
        outcomes(&t.push(&device.token, vec![replay]).await),
        [Outcome::Duplicate]
    );
    let catalog = t.catalog().await;
    assert_eq!(catalog.listings[0].title.fr.as_deref(), Some("New"));
}

#[tokio::test]
async fn another_cooperatives_listing_is_forbidden() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("rif").await;
    let id = Uuid::now_v7();
    t.push(&a.token, vec![upsert(id, "Tapis d'Atlas", 100_000, 1)])
        .await;

    let response = t
        .push(&b.token, vec![upsert(id, "Stolen", 1, 2), delete(id)])
        .await;
    assert_eq!(outcomes(&response), [FORBIDDEN, FORBIDDEN]);

    let catalog = t.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    let listing = &catalog.listings[0];
    assert_eq!(listing.title.fr.as_deref(), Some("Tapis d'Atlas"));
    assert_eq!(listing.price_centimes, 100_000);
    assert_eq!(listing.cooperative.slug, "atlas");
}

#[tokio::test]
async fn invalid_listings_are_rejected_and_the_rest_applied_in_order() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let good = upsert(Uuid::now_v7(), "Babouches", 15_000, 1);
    let changes = vec![
        upsert(Uuid::now_v7(), "Négatif", -1, 1),
        upsert(Uuid::now_v7(), "Trop cher", 1_000_000_001, 1),
        upsert(Uuid::now_v7(), "", 100, 1),
        upsert(Uuid::now_v7(), &"x".repeat(201), 100, 1),
        good.clone(),
    ];
    let ids: Vec<Uuid> = changes.iter().map(|c| c.change_id).collect();
    let response = t.push(&device.token, changes).await;
    let answered: Vec<Uuid> = response.results.iter().map(|r| r.change_id).collect();
    assert_eq!(answered, ids);
    assert_eq!(
        outcomes(&response),
        [INVALID, INVALID, INVALID, INVALID, Outcome::Applied]
    );
    let catalog = t.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].id, good.listing_id);
}

#[tokio::test]
async fn the_last_writer_wins() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let response = t
        .push(
            &device.token,
            vec![upsert(id, "Newer", 200, 20), upsert(id, "Older", 100, 10)],
        )
        .await;
    // The older change lost the two fields it disagreed on, and hears what
    // the listing is now.
    let [applied, conflict] = outcomes(&response).try_into().unwrap();
    assert_eq!(applied, Outcome::Applied);
    let Outcome::Conflict { fields, listing } = conflict else {
        panic!("expected a conflict, got {conflict:?}");
    };
    assert_eq!(fields, [ListingField::Title, ListingField::Price]);
    assert_eq!(listing.title.fr.as_deref(), Some("Newer"));
    assert_eq!(response.results[0].version, response.results[1].version);
    let listing = &t.catalog().await.listings[0];
    assert_eq!(
        (listing.title.fr.as_deref(), listing.price_centimes),
        (Some("Newer"), 200)
    );

    t.push(&device.token, vec![upsert(id, "Same time", 300, 20)])
        .await;
    let listing = &t.catalog().await.listings[0];
    assert_eq!(listing.title.fr.as_deref(), Some("Same time"));
}

#[tokio::test]
async fn a_deleted_listing_leaves_the_catalog() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let kept = Uuid::now_v7();
    let gone = Uuid::now_v7();
    t.push(
        &device.token,
        vec![upsert(kept, "Kept", 100, 1), upsert(gone, "Gone", 100, 2)],
    )
    .await;
    let response = t.push(&device.token, vec![delete(gone)]).await;
    assert_eq!(outcomes(&response), [Outcome::Applied]);

    let ids: Vec<Uuid> = t.catalog().await.listings.iter().map(|l| l.id).collect();
    assert_eq!(ids, [kept]);
    let (status, body) = t.send(crate::get(&format!("/v1/listings/{gone}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_kind(&body), ErrorKind::NotFound);
}

#[tokio::test]
async fn deleting_an_unseen_listing_keeps_its_id_for_the_cooperative() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("rif").await;
    let id = Uuid::now_v7();
    assert_eq!(
        outcomes(&t.push(&a.token, vec![delete(id)]).await),
        [Outcome::Applied]
    );
    assert!(t.catalog().await.listings.is_empty());
    assert_eq!(
        outcomes(&t.push(&b.token, vec![upsert(id, "Mine now", 1, 1)]).await),
        [FORBIDDEN]
    );
}

#[tokio::test]
async fn too_many_changes_are_refused() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let changes = (0..=MAX_PUSH_CHANGES)
        .map(|_| upsert(Uuid::now_v7(), "Tapis", 100, 1))
        .collect();
    let request = post_json("/v1/push", Some(&device.token), &PushRequest { changes });
    let (status, body) = t.send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_kind(&body), ErrorKind::PayloadTooLarge);
    assert!(t.catalog().await.listings.is_empty());
}

#[tokio::test]
async fn a_gzipped_push_is_accepted() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let body = PushRequest {
        changes: vec![upsert(Uuid::now_v7(), "Argan", 9_000, 1)],
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&serde_json::to_vec(&body).unwrap()).unwrap();
    let request = Request::post("/v1/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::from(gz.finish().unwrap()))
        .unwrap();
    let response: PushResponse = t.send_ok(request).await;
    assert_eq!(outcomes(&response), [Outcome::Applied]);
    assert_eq!(
        t.catalog().await.listings[0].title.fr.as_deref(),
        Some("Argan")
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_an_error_body() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let huge = vec![b' '; 5 * 1024 * 1024];
    let request = Request::post("/v1/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, huge.len())
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::from(huge))
        .unwrap();
    let (status, body) = t.send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_kind(&body), ErrorKind::PayloadTooLarge);

    // A small gzip body that inflates past the limit is cut off too.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 5 * 1024 * 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 64 * 1024);
    let request = Request::post("/v1/push")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::from(bomb))
        .unwrap();
    let (status, body) = t.send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_kind(&body), ErrorKind::PayloadTooLarge);
}
