//! The public JSON catalog, `/healthz` and unknown paths.

use axum::http::StatusCode;
use protocol::{ErrorKind, LocalizedText, PublicCooperative, PublicListing};
use uuid::Uuid;

use crate::{START_MS, error_kind, get, test_market, upsert, upsert_titled};

/// Newest first by when the server received them, whatever the devices'
/// clocks said (see also `clocks.rs`).
#[tokio::test]
async fn the_catalog_lists_the_newest_first() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let (old, middle, new) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, title, device_ms) in [
        (old, "Old", 300),
        (middle, "Middle", 100),
        (new, "New", 200),
    ] {
        t.push(&device.token, vec![upsert(id, title, 1, device_ms)])
            .await;
        t.advance(1_000);
    }
    let ids: Vec<Uuid> = t.catalog().await.listings.iter().map(|l| l.id).collect();
    assert_eq!(ids, [new, middle, old]);
}

#[tokio::test]
async fn a_listing_is_served_by_id() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let title = LocalizedText {
        ar: Some("زيت أركان".to_owned()),
        fr: Some("Huile d'argan".to_owned()),
        en: Some("Argan oil".to_owned()),
    };
    t.push(
        &device.token,
        vec![upsert_titled(id, title.clone(), 12_000, 5)],
    )
    .await;

    let listing: PublicListing = t.send_ok(get(&format!("/v1/listings/{id}"))).await;
    assert_eq!(
        listing,
        PublicListing {
            id,
            cooperative: device.cooperative,
            title,
            price_centimes: 12_000,
            updated_at_ms: 5,
            description: LocalizedText::default(),
            category: None,
            artisan: None,
            origin: None,
            region: None,
            materials: None,
            dimensions: None,
            photos: Vec::new(),
            availability: None,
            cooperative_profile: Some(PublicCooperative {
                legal_name: None,
                registration: None,
                city: None,
                region: None,
                since_ms: START_MS,
                labels: Vec::new(),
            }),
            labels: Vec::new(),
        }
    );

    for path in [
        format!("/v1/listings/{}", Uuid::now_v7()),
        "/v1/listings/nope".to_owned(),
    ] {
        let (status, body) = t.send(get(&path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_kind(&body), ErrorKind::NotFound);
    }
}

#[tokio::test]
async fn health_and_unknown_paths() {
    let t = test_market();
    let (status, body) = t.send(get("/healthz")).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"ok".as_slice())
    );

    let (status, body) = t.send(get("/v1/nothing-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_kind(&body), ErrorKind::NotFound);
}

/// Every path and method in `/v1/openapi.json` reaches a handler: none
/// falls through to "nothing lives at" or gets 405.
#[tokio::test]
async fn every_documented_route_is_served() {
    let t = test_market();
    let (status, body) = t.send(get("/v1/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for (path, operations) in paths {
        let concrete = path
            .replace("{id}", &Uuid::now_v7().to_string())
            .replace("{file}", "x.jpg")
            .replace("{slug}", "atlas");
        for method in operations.as_object().unwrap().keys() {
            let request = axum::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .body(axum::body::Body::empty())
                .unwrap();
            let (status, body) = t.send(request).await;
            let text = String::from_utf8_lossy(&body);
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !text.contains("nothing lives at"),
                "{method} {path}: {text}"
            );
        }
    }
}
