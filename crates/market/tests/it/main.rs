//! The marketplace over HTTP, on real SQLite files in temporary directories.
//! Handler tests call the app with `oneshot`; `server` and `cli` run a real
//! listening server and the real binary.

mod catalog;
mod cli;
mod enroll;
mod pages;
mod push;
mod server;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::{Clock, Config, Market, admin};
use protocol::{
    CatalogPage, Change, ChangeOp, EnrollRequest, EnrollResponse, ErrorBody, ErrorKind,
    ListingPayload, LocalizedText, PushRequest, PushResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tempfile::TempDir;
use tower::ServiceExt as _;
use uuid::Uuid;

/// A market with a clock the test moves.
pub(crate) struct TestMarket {
    pub market: Market,
    pub now_ms: Arc<AtomicI64>,
    _dir: Option<TempDir>,
}

/// 2026-03-01T00:00:00Z; any fixed instant works.
pub(crate) const START_MS: i64 = 1_772_323_200_000;

/// A market on a fresh temporary directory.
pub(crate) fn test_market() -> TestMarket {
    let dir = tempfile::tempdir().unwrap();
    let mut t = TestMarket::open(dir.path());
    t._dir = Some(dir);
    t
}

impl TestMarket {
    /// A market on `data_dir`, which the caller keeps alive.
    pub(crate) fn open(data_dir: &Path) -> TestMarket {
        let now_ms = Arc::new(AtomicI64::new(START_MS));
        let clock = {
            let now_ms = Arc::clone(&now_ms);
            Clock::from_fn(move || now_ms.load(Ordering::SeqCst))
        };
        let config = Config {
            clock,
            ..Config::default()
        };
        TestMarket {
            market: Market::open_with(data_dir, config).unwrap(),
            now_ms,
            _dir: None,
        }
    }

    pub(crate) fn advance(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sends one request through the whole app (all layers).
    pub(crate) async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = market::app(self.market.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, body.to_vec())
    }

    /// Sends a request that must succeed and parses its JSON answer.
    pub(crate) async fn send_ok<T: DeserializeOwned>(&self, request: Request<Body>) -> T {
        let (status, body) = self.send(request).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "body: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap()
    }

    /// Adds (if needed) the cooperative `slug` and enrolls a device in it.
    pub(crate) async fn enroll(&self, slug: &str) -> EnrollResponse {
        admin::ensure_cooperative(&self.market, slug, &format!("Coopérative {slug}")).unwrap();
        let code = admin::enrollment_code(&self.market, slug).unwrap();
        let request = EnrollRequest {
            code,
            device_name: format!("laptop of {slug}"),
        };
        self.send_ok(post_json("/v1/enroll", None, &request)).await
    }

    pub(crate) async fn push(&self, token: &str, changes: Vec<Change>) -> PushResponse {
        self.send_ok(post_json("/v1/push", Some(token), &PushRequest { changes }))
            .await
    }

    pub(crate) async fn catalog(&self) -> CatalogPage {
        self.send_ok(get("/v1/catalog")).await
    }
}

pub(crate) fn post_json(path: &str, token: Option<&str>, body: &impl Serialize) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

pub(crate) fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// The `kind` of an [`ErrorBody`], failing the test if `body` is not one.
pub(crate) fn error_kind(body: &[u8]) -> ErrorKind {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_else(|err| {
        panic!(
            "not an ErrorBody ({err}): {}",
            String::from_utf8_lossy(body)
        )
    });
    parsed.error.kind
}

/// An upsert of `listing_id` with a French title, minted with a fresh id.
pub(crate) fn upsert(
    listing_id: Uuid,
    title_fr: &str,
    price_centimes: i64,
    updated_at_ms: i64,
) -> Change {
    upsert_titled(
        listing_id,
        LocalizedText {
            fr: Some(title_fr.to_owned()),
            ..LocalizedText::default()
        },
        price_centimes,
        updated_at_ms,
    )
}

pub(crate) fn upsert_titled(
    listing_id: Uuid,
    title: LocalizedText,
    price_centimes: i64,
    updated_at_ms: i64,
) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        listing_id,
        op: ChangeOp::Upsert {
            listing: ListingPayload {
                title,
                price_centimes,
                updated_at_ms,
            },
        },
    }
}

pub(crate) fn delete(listing_id: Uuid) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        listing_id,
        op: ChangeOp::Delete,
    }
}
