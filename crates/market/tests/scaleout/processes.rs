//! Several `hanout-market` processes sharing one PostgreSQL database and
//! one bucket, as behind a load balancer: pushes spread over them land
//! once each, stock deltas sent to different processes all count, and the
//! change feed never skips a change that committed late.

use std::collections::HashSet;

use futures_util::future::join_all;
use protocol::{Change, ChangeOp, Hlc, ListingField, ListingPayload, LocalizedText, Outcome};
use uuid::Uuid;

use crate::{TestMarket, test_market, upsert};

const DEVICES: usize = 4;
const PER_DEVICE: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pushes_spread_over_processes_land_once_and_the_feed_misses_none() {
    let t = test_market();
    let others = [t.second_process(), t.second_process()];
    let mut devices = Vec::new();
    for _ in 0..DEVICES {
        devices.push(t.enroll("atlas").await);
    }
    let puller = t.enroll("atlas").await;
    let processes: Vec<&TestMarket> = vec![&t, &others[0], &others[1]];

    // Every device pushes its listings one by one, each push to the next
    // process in turn, all devices at once; meanwhile a fifth device pulls.
    let pushes = devices.iter().enumerate().map(|(d, device)| {
        let processes = processes.clone();
        async move {
            let mut ids = Vec::new();
            for n in 0..PER_DEVICE {
                let id = Uuid::now_v7();
                let change = upsert(id, &format!("Poterie {d}-{n}"), 5_000, 1);
                let process = processes[(d + n) % processes.len()];
                let response = process.push(&device.token, vec![change.clone()]).await;
                assert_eq!(response.results[0].outcome, Outcome::Applied);
                // The answer was lost; the device sends it again elsewhere.
                let again = processes[(d + n + 1) % processes.len()]
                    .push(&device.token, vec![change])
                    .await;
                assert_eq!(again.results[0].outcome, Outcome::Duplicate);
                ids.push(id);
            }
            ids
        }
    });
    let pulling = async {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        for round in 0.. {
            let process = processes[round % processes.len()];
            let page = process
                .pull(&puller.token, cursor.as_deref(), Some(7))
                .await;
            seen.extend(page.changes.iter().map(|c| c.listing_id));
            cursor = Some(page.cursor);
            if seen.len() == DEVICES * PER_DEVICE {
                break;
            }
            tokio::task::yield_now().await;
        }
        seen
    };
    let (pushed, seen) = tokio::join!(join_all(pushes), pulling);
    let pushed: HashSet<Uuid> = pushed.into_iter().flatten().collect();
    assert_eq!(pushed.len(), DEVICES * PER_DEVICE);
    assert_eq!(
        seen, pushed,
        "the feed, paged while pushes landed, has each one"
    );

    let in_catalog = t.catalog_ids().await;
    assert_eq!(in_catalog.len(), DEVICES * PER_DEVICE, "no duplicates");
    assert_eq!(in_catalog.into_iter().collect::<HashSet<_>>(), pushed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sales_sent_to_different_processes_at_once_all_count() {
    let t = test_market();
    let other = t.second_process();
    let a = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let oil = ListingPayload {
        title: LocalizedText {
            fr: Some("Huile d'argan 1 L".to_owned()),
            ..LocalizedText::default()
        },
        price_centimes: 35_000,
        updated_at_ms: 1,
        stock: Some(100),
        ..ListingPayload::default()
    };
    let created = t
        .push(
            &a.token,
            vec![Change::whole(
                Uuid::now_v7(),
                id,
                ChangeOp::Upsert {
                    listing: oil.clone(),
                },
            )],
        )
        .await;
    assert_eq!(created.results[0].outcome, Outcome::Applied);

    let sales = (0..30).map(|n| {
        let market = if n % 2 == 0 { &t } else { &other };
        let change = Change {
            hlc: Some(Hlc {
                ms: 10 + n,
                counter: 0,
            }),
            fields: Some(vec![ListingField::Stock]),
            stock_delta: Some(-1),
            ..Change::whole(
                Uuid::now_v7(),
                id,
                ChangeOp::Upsert {
                    listing: oil.clone(),
                },
            )
        };
        let token = a.token.clone();
        async move { market.push(&token, vec![change]).await }
    });
    for response in join_all(sales).await {
        assert_eq!(response.results[0].outcome, Outcome::Applied);
    }
    let pulled = t.pull(&a.token, None, None).await;
    assert_eq!(pulled.changes[0].listing.as_ref().unwrap().stock, Some(70));
}

/// With the photos in a bucket, upload chunks are objects too: servers on
/// machines that share no disk each take a chunk of the same upload.
#[tokio::test]
async fn servers_sharing_no_disk_take_turns_on_one_upload() {
    use crate::photos::{create, missing, offset, photo, send_chunk, sha256_hex};
    use axum::http::StatusCode;

    let first = test_market();
    let second = first.other_machine();
    let third = first.other_machine();
    let device = first.enroll("atlas").await;
    let bytes = photo(21, 9_000);
    let sha = sha256_hex(&bytes);
    let location = create(&first, &device.token, &bytes).await;
    for (server, (from, to)) in
        [&first, &second, &third]
            .into_iter()
            .zip([(0, 3_000), (3_000, 6_000), (6_000, 9_000)])
    {
        let (status, _) = send_chunk(server, &device.token, &location, &bytes, from, to).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{from}..{to}");
        assert_eq!(
            offset(&second, &device.token, &location).await,
            (StatusCode::OK, Some(to as u64))
        );
    }
    assert!(missing(&third, &device.token, &[&sha]).await.is_empty());
    assert_eq!(first.stored_blob(&sha).await, Some(bytes));
    let id = location.rsplit('/').next().unwrap();
    assert_eq!(
        first.upload_bytes_held(id).await,
        0,
        "chunks deleted once stored"
    );
    for server in [&first, &second, &third] {
        assert!(!server.data_dir.join("uploads").exists(), "nothing on disk");
    }
}

/// A chunk that lost a race (two servers got the same offset) is never
/// counted, and the photo is assembled from the chunks that were.
#[tokio::test]
async fn racing_chunks_on_two_servers_count_once() {
    use crate::photos::{create, photo, send_chunk, sha256_hex};
    use axum::http::StatusCode;

    let first = test_market();
    let second = first.other_machine();
    let device = first.enroll("atlas").await;
    let bytes = photo(22, 4_000);
    let location = create(&first, &device.token, &bytes).await;
    let (a, b) = tokio::join!(
        send_chunk(&first, &device.token, &location, &bytes, 0, 2_000),
        send_chunk(&second, &device.token, &location, &bytes, 0, 2_000),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::CONFLICT]);
    let (status, _) = send_chunk(&second, &device.token, &location, &bytes, 2_000, 4_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(first.stored_blob(&sha256_hex(&bytes)).await, Some(bytes));
}
