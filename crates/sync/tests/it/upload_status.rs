//! While photos go up, the status says how many bytes of how many, how
//! fast, how long still, and each listing's photos so far; between passes
//! it says nothing of uploads.

use std::sync::Arc;
use std::time::Duration;

use sync::{Config, Uploading};
use test_support::shaper::{LinkSpec, Shaper};
use tokio::sync::{Notify, watch};

use crate::photos::{device, listing_with_photos, market_with_code, photo_bytes};

#[tokio::test]
async fn the_status_shows_bytes_rate_time_left_and_photos_per_listing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    // 150 KB/s up: a megabyte of photos takes a few seconds, long enough
    // for the once-a-second status to show it on its way.
    let link = LinkSpec {
        up_bytes_per_s: Some(150_000),
        ..LinkSpec::default()
    };
    let shaper = Shaper::start(server.addr, link).await.unwrap();
    let a = device(dir.path(), "a", &shaper.url(), &code, Config::default());
    let photos = [
        (photo_bytes(61, 300_000), photo_bytes(62, 20_000)),
        (photo_bytes(63, 300_000), photo_bytes(64, 20_000)),
    ];
    let (first, _) = listing_with_photos(&a, "Tapis Boucherouite", &photos);
    let (second, _) = listing_with_photos(&a, "Tapis Zanafi", &photos[..1]);
    let other = (photo_bytes(65, 300_000), photo_bytes(66, 20_000));
    let (third, _) = listing_with_photos(&a, "Tapis Akhnif", &[other]);
    // The second listing's only photo is the first's too: once.
    let total = 2 * 320_000 + 320_000;

    let (status_tx, mut status_rx) = watch::channel(sync::Status::default());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(sync::run(
        a.engine.clone(),
        Arc::new(Notify::new()),
        status_tx,
        async {
            let _ = stop_rx.await;
        },
    ));
    let mut seen: Vec<Uploading> = Vec::new();
    let done = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            status_rx.changed().await.unwrap();
            let status = status_rx.borrow_and_update().clone();
            if let Some(up) = status.uploading {
                seen.push(up);
            } else if status.connection == sync::Connection::Online && status.photos_pending == 0 {
                return status;
            }
        }
    })
    .await
    .expect("the photos never all went up");
    assert_eq!(
        done.uploading, None,
        "nothing on its way once the pass is over"
    );
    stop_tx.send(()).unwrap();
    task.await.unwrap();

    assert!(!seen.is_empty(), "no status showed the upload");
    for up in &seen {
        assert_eq!(up.bytes_total, total);
        assert!(up.bytes_sent <= up.bytes_total);
        for listing in &up.listings {
            assert!(listing.sent < listing.total, "{listing:?}");
        }
        if let (Some(rate), Some(left)) = (up.rate_bytes_per_s, up.seconds_left) {
            assert_eq!(
                Some(left),
                Uploading::time_left(total - up.bytes_sent, Some(rate))
            );
        }
    }
    // Listings in the order they go, each with its own photo count.
    let first_seen = &seen[0];
    let ids: Vec<_> = first_seen.listings.iter().map(|l| l.listing_id).collect();
    assert_eq!(ids, [first, second, third]);
    assert_eq!(
        first_seen
            .listings
            .iter()
            .map(|l| l.total)
            .collect::<Vec<_>>(),
        [2, 1, 1]
    );
    // Bytes only grow, and a rate was measured on the way.
    assert!(seen.windows(2).all(|w| w[0].bytes_sent <= w[1].bytes_sent));
    assert!(seen.iter().any(|up| up.rate_bytes_per_s.is_some()));
}
