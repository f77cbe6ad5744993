//! Clean-up: expired uploads go on a timer, and photos no listing shows go
//! from the blob store (disk or bucket) after the grace period.

use std::time::Duration;

use axum::http::StatusCode;
use market::cleanup;
use uuid::Uuid;

use crate::listing_photos::set_photos;
use crate::photos::{DAY_MS, create, missing, offset, photo, send_chunk, upload};
use crate::{test_market, upsert};

#[tokio::test]
async fn photos_no_listing_shows_leave_the_store_after_the_grace_period() {
    let t = test_market();
    let grace_ms = i64::try_from(t.market_config_grace().as_millis()).unwrap();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let shown = upload(&t, &device.token, &photo(1, 2_000)).await;
    let spare = upload(&t, &device.token, &photo(2, 2_000)).await;
    let (status, _) = t
        .send(set_photos(id, &device.token, &[(&shown, &shown)]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let report = cleanup::run_once(&t.market).await.unwrap();
    assert!(report.photos_removed.is_empty(), "first seen unused: kept");
    t.advance(grace_ms - 1);
    assert!(
        cleanup::run_once(&t.market)
            .await
            .unwrap()
            .photos_removed
            .is_empty()
    );
    // The listing now shows the spare one instead: it is kept, and the
    // other one's grace starts now.
    let (status, _) = t
        .send(set_photos(id, &device.token, &[(&spare, &spare)]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    t.advance(2);
    assert!(
        cleanup::run_once(&t.market)
            .await
            .unwrap()
            .photos_removed
            .is_empty()
    );
    t.advance(grace_ms);
    let report = cleanup::run_once(&t.market).await.unwrap();
    assert_eq!(report.photos_removed, std::slice::from_ref(&shown));
    assert_eq!(t.stored_blobs().await, std::slice::from_ref(&spare));
    assert_eq!(missing(&t, &device.token, &[&shown, &spare]).await, [shown]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_uploads_go_on_a_timer() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(5, 4_000);
    let location = create(&t, &device.token, &bytes).await;
    let id = location.rsplit('/').next().unwrap().to_owned();
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 1_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.upload_bytes_held(&id).await, 1_000);

    let timer = cleanup::spawn(t.market.clone(), Duration::from_millis(20));
    t.advance(DAY_MS + 1);
    // No other request comes: the timer alone drops it, then its bytes
    // (after the database forgot it, for chunks in a bucket).
    let mut gone = false;
    for _ in 0..500 {
        if offset(&t, &device.token, &location).await.0 == StatusCode::NOT_FOUND
            && t.upload_bytes_held(&id).await == 0
        {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    timer.abort();
    assert!(gone, "the expired upload or its bytes are still there");
}

/// A photo uploaded again (its device is about to show it) starts its
/// grace period over, so it is not removed before the device sets it.
#[tokio::test]
async fn a_photo_uploaded_again_starts_its_grace_over() {
    let t = test_market();
    let grace_ms = i64::try_from(t.market_config_grace().as_millis()).unwrap();
    let device = t.enroll("atlas").await;
    let bytes = photo(3, 2_000);
    let sha = upload(&t, &device.token, &bytes).await;
    cleanup::run_once(&t.market).await.unwrap();
    t.advance(grace_ms - 1);
    let again = upload(&t, &device.token, &bytes).await;
    assert_eq!(again, sha);
    t.advance(2);
    assert!(
        cleanup::run_once(&t.market)
            .await
            .unwrap()
            .photos_removed
            .is_empty()
    );
    t.advance(grace_ms);
    assert_eq!(
        cleanup::run_once(&t.market).await.unwrap().photos_removed,
        std::slice::from_ref(&sha)
    );
}
