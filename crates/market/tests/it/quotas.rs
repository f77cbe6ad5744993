//! Per-cooperative photo quotas: storage and upload rate, checked when an
//! upload is created.

use std::time::Duration;

use axum::http::StatusCode;
use market::RateLimit;

use crate::photos::{creation, photo, sha256_hex, upload};
use crate::{error_kind, test_market_tuned};

#[tokio::test]
async fn a_cooperative_cannot_store_more_than_its_quota() {
    let t = test_market_tuned(|config| config.storage_quota_bytes = 10_000);
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    upload(&t, &atlas.token, &photo(1, 6_000)).await;
    // An upload in progress counts too.
    let started = photo(2, 3_000);
    let (status, _) = t
        .send(creation(&atlas.token, started.len(), &sha256_hex(&started)))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let big = photo(3, 2_000);
    let (status, body) = t
        .send(creation(&atlas.token, big.len(), &sha256_hex(&big)))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_kind(&body), protocol::ErrorKind::PayloadTooLarge);
    let message = String::from_utf8(body).unwrap();
    assert!(message.contains("room"), "{message}");
    // Another cooperative has its own room.
    upload(&t, &rif.token, &big).await;
}

#[tokio::test]
async fn a_cooperative_cannot_start_uploads_faster_than_its_rate() {
    let t = test_market_tuned(|config| {
        config.upload_rate = RateLimit {
            burst: 2,
            refill_every: Duration::from_secs(10),
        };
    });
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    for seed in 0..2 {
        let bytes = photo(seed, 1_000);
        let (status, _) = t
            .send(creation(&atlas.token, bytes.len(), &sha256_hex(&bytes)))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let bytes = photo(9, 1_000);
    let (status, headers, _) = t
        .send_full(creation(&atlas.token, bytes.len(), &sha256_hex(&bytes)))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "10");
    let (status, _) = t
        .send(creation(&rif.token, bytes.len(), &sha256_hex(&bytes)))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "another cooperative is not slowed"
    );
    t.advance(10_000);
    let (status, _) = t
        .send(creation(&atlas.token, bytes.len(), &sha256_hex(&bytes)))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
