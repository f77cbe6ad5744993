//! What every marketplace test uses: a market with a clock the test moves,
//! on the backend of the test binary (`crate::BACKEND`), and requests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::{Clock, Config, Market, ModerationPolicy, S3Blobs, admin};
use protocol::{
    CatalogPage, Change, ChangeOp, EnrollRequest, EnrollResponse, ErrorBody, ErrorKind,
    ListingPayload, LocalizedText, PullResponse, PushRequest, PushResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tempfile::TempDir;
use tower::ServiceExt as _;
use uuid::Uuid;

/// Where a test binary's markets keep their data.
#[allow(dead_code, reason = "each test binary constructs one variant")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// SQLite and photos in the data directory: `hanout-market serve`.
    Embedded,
    /// A fresh PostgreSQL database per market and photos in an S3 bucket
    /// (s3rver): `serve --database postgres://… --blobs s3://…`.
    ScaleOut,
}

/// A market with a clock the test moves.
pub(crate) struct TestMarket {
    pub market: Market,
    pub now_ms: Arc<AtomicI64>,
    pub data_dir: PathBuf,
    blobs: Option<S3Blobs>,
    database: Option<String>,
    _dir: Option<TempDir>,
}

/// The s3rver npm project of these tests.
pub(crate) fn s3rver_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3rver")
}

/// The bucket of `s3` as a market's blob store.
pub(crate) fn bucket_of(s3: &test_support::services::S3rver) -> S3Blobs {
    S3Blobs {
        url: s3.url(),
        access_key_id: Some(test_support::services::S3rver::KEY.to_owned()),
        secret_access_key: Some(test_support::services::S3rver::KEY.to_owned()),
    }
}

/// 2026-03-01T00:00:00Z; any fixed instant works.
pub(crate) const START_MS: i64 = 1_772_323_200_000;

/// A market on a fresh temporary directory.
pub(crate) fn test_market() -> TestMarket {
    test_market_with(ModerationPolicy::Auto)
}

/// A market on a fresh temporary directory, moderating as `moderation` says.
pub(crate) fn test_market_with(moderation: ModerationPolicy) -> TestMarket {
    let dir = tempfile::tempdir().unwrap();
    let mut t = TestMarket::open_with(dir.path(), moderation, None);
    t._dir = Some(dir);
    t
}

/// A market on a fresh temporary directory, its photos in `blobs`.
pub(crate) fn test_market_on(blobs: S3Blobs) -> TestMarket {
    let dir = tempfile::tempdir().unwrap();
    let mut t = TestMarket::open_with(dir.path(), ModerationPolicy::Auto, Some(blobs));
    t._dir = Some(dir);
    t
}

impl TestMarket {
    /// A market on `data_dir`, which the caller keeps alive.
    fn open_with(
        data_dir: &Path,
        moderation: ModerationPolicy,
        blobs: Option<S3Blobs>,
    ) -> TestMarket {
        let now_ms = Arc::new(AtomicI64::new(START_MS));
        let clock = {
            let now_ms = Arc::clone(&now_ms);
            Clock::from_fn(move || now_ms.load(Ordering::SeqCst))
        };
        let (database, blobs) = match crate::BACKEND {
            Backend::Embedded => (None, blobs),
            Backend::ScaleOut => (
                Some(test_support::services::postgres().create_database()),
                blobs.or_else(|| Some(bucket_of(test_support::services::s3rver(&s3rver_dir())))),
            ),
        };
        let config = Config {
            clock,
            moderation,
            blobs: blobs.clone(),
            database: database.clone(),
            ..Config::default()
        };
        TestMarket {
            market: Market::open_with(data_dir, config).unwrap(),
            now_ms,
            data_dir: data_dir.to_owned(),
            blobs,
            database,
            _dir: None,
        }
    }

    /// The PostgreSQL URL, on the scale-out backend.
    pub(crate) fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    pub(crate) fn advance(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sends one request through the whole app (all layers).
    pub(crate) async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let (status, _, body) = self.send_full(request).await;
        (status, body)
    }

    /// Like [`TestMarket::send`], with the response's headers.
    pub(crate) async fn send_full(
        &self,
        request: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = market::app(self.market.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, body.to_vec())
    }

    /// Another `Market` on the same data directory and database, as a
    /// second server process would open it, on the same clock.
    pub(crate) fn second_process(&self) -> TestMarket {
        let config = Config {
            clock: self.market_clock(),
            blobs: self.blobs.clone(),
            database: self.database.clone(),
            ..Config::default()
        };
        TestMarket {
            market: Market::open_with(&self.data_dir, config).unwrap(),
            now_ms: Arc::clone(&self.now_ms),
            data_dir: self.data_dir.clone(),
            blobs: self.blobs.clone(),
            database: self.database.clone(),
            _dir: None,
        }
    }

    fn market_clock(&self) -> Clock {
        let now_ms = Arc::clone(&self.now_ms);
        Clock::from_fn(move || now_ms.load(Ordering::SeqCst))
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

    /// Ids in the public catalog, newest first.
    pub(crate) async fn catalog_ids(&self) -> Vec<Uuid> {
        self.catalog().await.listings.iter().map(|l| l.id).collect()
    }

    /// `GET /v1/pull` as the device with `token`.
    pub(crate) async fn pull(
        &self,
        token: &str,
        since: Option<&str>,
        limit: Option<usize>,
    ) -> PullResponse {
        let mut query = Vec::new();
        if let Some(since) = since {
            query.push(format!("since={since}"));
        }
        if let Some(limit) = limit {
            query.push(format!("limit={limit}"));
        }
        let request = Request::get(format!("/v1/pull?{}", query.join("&")))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.send_ok(request).await
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
    Change::whole(
        Uuid::now_v7(),
        listing_id,
        ChangeOp::Upsert {
            listing: ListingPayload {
                title,
                price_centimes,
                updated_at_ms,
                ..ListingPayload::default()
            },
        },
    )
}

pub(crate) fn delete(listing_id: Uuid) -> Change {
    Change::whole(Uuid::now_v7(), listing_id, ChangeOp::Delete)
}
