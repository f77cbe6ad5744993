//! Reads do not queue behind writes: with SQLite in WAL, the catalog is read
//! on a pool of read connections beside the one writer. (Embedded only:
//! PostgreSQL reads never shared the writer's connection.)

use std::time::Duration;

use uuid::Uuid;

use crate::{test_market, upsert};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_catalog_answers_while_a_push_waits_for_the_write_lock() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let first = Uuid::now_v7();
    t.push(&device.token, vec![upsert(first, "Tapis", 100, 1)])
        .await;

    // Another process holds the database's write lock, so the next push
    // waits inside the market's writer (up to its busy timeout).
    #[expect(clippy::disallowed_methods, reason = "a second writer on purpose")]
    let blocker = rusqlite::Connection::open(t.data_dir.join("market.db")).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let pushing = {
        let market = t.market.clone();
        let token = device.token.clone();
        tokio::spawn(async move {
            let request = crate::post_json(
                "/v1/push",
                Some(&token),
                &protocol::PushRequest {
                    changes: vec![upsert(Uuid::now_v7(), "Bol", 50, 2)],
                },
            );
            tower::ServiceExt::oneshot(market::app(market), request)
                .await
                .unwrap()
                .status()
        })
    };
    // Give the push time to reach the writer.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The catalog answers from the last commit while the push still waits.
    assert_eq!(t.catalog_ids().await, [first]);
    assert!(
        !pushing.is_finished(),
        "the push went through: the test proved nothing"
    );

    blocker.execute_batch("COMMIT").unwrap();
    assert_eq!(pushing.await.unwrap(), axum::http::StatusCode::OK);
    assert_eq!(t.catalog_ids().await.len(), 2);
}
