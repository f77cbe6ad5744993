//! A real listening server, driven over TCP with reqwest.

use market::admin;
use protocol::{CatalogPage, ErrorBody, ErrorKind, Outcome, PushRequest};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::{http_enroll, http_get, http_push, test_market, upsert};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_push_and_read_the_catalog_over_tcp() {
    let t = test_market();
    admin::ensure_cooperative(&t.market, "atlas", "Coopérative Atlas — تعاونية الأطلس").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = market::app(t.market.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();

    let enrolled = http_enroll(&client, &base, code).await;

    let id = Uuid::now_v7();
    let push = PushRequest {
        changes: vec![upsert(id, "Tapis Azilal coloré", 320_000, 7)],
    };
    let unauthorized = client
        .post(format!("{base}/v1/push"))
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), reqwest::StatusCode::UNAUTHORIZED);
    let error: ErrorBody = unauthorized.json().await.unwrap();
    assert_eq!(error.error.kind, ErrorKind::Unauthorized);

    let pushed = http_push(&client, &base, &enrolled.token, push.changes).await;
    assert_eq!(pushed.results[0].outcome, Outcome::Applied);

    let catalog: CatalogPage = http_get(&client, &base, "/v1/catalog").await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].id, id);
    assert_eq!(
        catalog.listings[0].title.fr.as_deref(),
        Some("Tapis Azilal coloré")
    );
    assert_eq!(catalog.listings[0].price_centimes, 320_000);
    assert_eq!(catalog.listings[0].cooperative.slug, "atlas");

    server.abort();
}
