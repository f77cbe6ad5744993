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

/// A bucket of the process's s3rver no other test uses, as a market's
/// blob store.
pub(crate) fn fresh_bucket() -> S3Blobs {
    let s3 = test_support::services::s3rver(&s3rver_dir());
    S3Blobs {
        url: s3.url_of(&s3.fresh_bucket()),
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

/// A market on a fresh temporary directory whose configuration `tune`
/// changes (limits, quotas…).
pub(crate) fn test_market_tuned(tune: impl FnOnce(&mut Config)) -> TestMarket {
    let dir = tempfile::tempdir().unwrap();
    let mut t = TestMarket::open_tuned(dir.path(), ModerationPolicy::Auto, None, tune);
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
        TestMarket::open_tuned(data_dir, moderation, blobs, |_| {})
    }

    /// [`TestMarket::open_with`], then `tune` changes the configuration.
    fn open_tuned(
        data_dir: &Path,
        moderation: ModerationPolicy,
        blobs: Option<S3Blobs>,
        tune: impl FnOnce(&mut Config),
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
                blobs.or_else(|| Some(fresh_bucket())),
            ),
        };
        let mut config = Config {
            clock,
            moderation,
            blobs: blobs.clone(),
            database: database.clone(),
            ..Config::default()
        };
        tune(&mut config);
        TestMarket {
            market: Market::open_with(data_dir, config).unwrap(),
            now_ms,
            data_dir: data_dir.to_owned(),
            blobs,
            database,
            _dir: None,
        }
    }

    /// The SHA-256 of every photo in the market's blob store, sorted.
    pub(crate) async fn stored_blobs(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.blobs {
            None => {
                let mut names = Vec::new();
                if let Ok(dirs) = std::fs::read_dir(self.data_dir.join("blobs")) {
                    for dir in dirs {
                        let dir = dir.unwrap();
                        // The app's packages, not photos.
                        if dir.file_name() == "releases" {
                            continue;
                        }
                        for file in std::fs::read_dir(dir.path()).unwrap() {
                            names.push(file.unwrap().file_name().to_string_lossy().into_owned());
                        }
                    }
                }
                names
            }
            Some(blobs) => {
                use futures_util::TryStreamExt as _;
                use object_store::ObjectStore as _;
                let listed: Vec<_> = bucket_store(blobs).list(None).try_collect().await.unwrap();
                // Photos only, not the chunks of uploads in progress nor
                // the app's packages.
                listed
                    .into_iter()
                    .filter(|meta| {
                        let key = meta.location.as_ref();
                        !key.starts_with("uploads/") && !key.starts_with("releases/")
                    })
                    .map(|meta| meta.location.filename().unwrap().to_owned())
                    .collect()
            }
        };
        for name in &mut names {
            *name = name.trim_end_matches(".jpg").to_owned();
        }
        names.sort();
        names
    }

    /// The bytes of one photo, straight from the blob store.
    pub(crate) async fn stored_blob(&self, sha256: &str) -> Option<Vec<u8>> {
        let key = format!("{}/{sha256}.jpg", &sha256[..2]);
        match &self.blobs {
            None => std::fs::read(self.data_dir.join("blobs").join(key)).ok(),
            Some(blobs) => {
                use object_store::ObjectStoreExt as _;
                let found = bucket_store(blobs).get(&key.into()).await.ok()?;
                Some(found.bytes().await.unwrap().to_vec())
            }
        }
    }

    /// The bytes of one of the app's packages, straight from the blob store.
    pub(crate) async fn stored_package(&self, sha256: &str) -> Option<Vec<u8>> {
        let key = format!("releases/{}/{sha256}", &sha256[..2]);
        match &self.blobs {
            None => std::fs::read(self.data_dir.join("blobs").join(key)).ok(),
            Some(blobs) => {
                use object_store::ObjectStoreExt as _;
                let found = bucket_store(blobs).get(&key.into()).await.ok()?;
                Some(found.bytes().await.unwrap().to_vec())
            }
        }
    }

    /// `hanout-market ARGS` on this market's data directory, database and
    /// blob store (credentials in the environment), not started yet.
    pub(crate) fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hanout-market"));
        command.arg("--data").arg(&self.data_dir);
        if let Some(database) = &self.database {
            command.args(["--database", database]);
        }
        if let Some(blobs) = &self.blobs {
            command.args(["--blobs", &blobs.url]);
            command.env("AWS_ACCESS_KEY_ID", blobs.access_key_id.clone().unwrap());
            command.env(
                "AWS_SECRET_ACCESS_KEY",
                blobs.secret_access_key.clone().unwrap(),
            );
        }
        command.args(args).env("RUST_LOG", "warn");
        command
    }

    /// `s3://…` of the market's bucket, if its photos are in one.
    pub(crate) fn blobs_url(&self) -> Option<String> {
        self.blobs.as_ref().map(|b| b.url.clone())
    }

    /// The PostgreSQL URL, on the scale-out backend.
    pub(crate) fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// Runs `sql` on the market's database behind its back (for states a
    /// test cannot reach through the API, like a request caught half-way).
    pub(crate) fn sql(&self, sql: &str) {
        match &self.database {
            // The synchronous client runs a runtime of its own: not on
            // a thread of the test's.
            Some(url) => std::thread::scope(|scope| {
                scope.spawn(|| {
                    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                    client.batch_execute(sql).unwrap();
                });
            }),
            None => {
                #[expect(
                    clippy::disallowed_methods,
                    reason = "going around the market on purpose"
                )]
                let conn = rusqlite::Connection::open(self.data_dir.join("market.db")).unwrap();
                conn.execute_batch(sql).unwrap();
            }
        }
    }

    /// How long unused photos are kept (`Config::blob_grace`).
    pub(crate) fn market_config_grace(&self) -> std::time::Duration {
        market::Config::default().blob_grace
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
        self.sibling(self.data_dir.clone(), None)
    }

    /// A second server on another machine: its own data directory, the
    /// same PostgreSQL database and bucket. Scale-out only.
    #[allow(dead_code, reason = "the scale-out binary's tests use it")]
    pub(crate) fn other_machine(&self) -> TestMarket {
        assert!(
            self.database.is_some() && self.blobs.is_some(),
            "another machine shares only a database server and a bucket"
        );
        let dir = tempfile::tempdir().unwrap();
        self.sibling(dir.path().to_owned(), Some(dir))
    }

    /// Another market on `data_dir`, this one's database, bucket and clock.
    fn sibling(&self, data_dir: PathBuf, dir: Option<TempDir>) -> TestMarket {
        let config = Config {
            clock: self.market_clock(),
            blobs: self.blobs.clone(),
            database: self.database.clone(),
            ..Config::default()
        };
        TestMarket {
            market: Market::open_with(&data_dir, config).unwrap(),
            now_ms: Arc::clone(&self.now_ms),
            data_dir,
            blobs: self.blobs.clone(),
            database: self.database.clone(),
            _dir: dir,
        }
    }

    /// The bytes of upload `id` the market holds: its `.part` file, or its
    /// chunk objects in the bucket.
    pub(crate) async fn upload_bytes_held(&self, id: &str) -> u64 {
        match &self.blobs {
            None => std::fs::metadata(self.data_dir.join("uploads").join(format!("{id}.part")))
                .map_or(0, |m| m.len()),
            Some(blobs) => {
                use futures_util::TryStreamExt as _;
                use object_store::ObjectStore as _;
                let prefix = object_store::path::Path::from(format!("uploads/{id}"));
                let listed: Vec<_> = bucket_store(blobs)
                    .list(Some(&prefix))
                    .try_collect()
                    .await
                    .unwrap();
                listed.iter().map(|meta| meta.size).sum()
            }
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
            device_key: None,
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

/// A client of the bucket of `blobs` (s3rver's address and keys).
fn bucket_store(blobs: &S3Blobs) -> object_store::aws::AmazonS3 {
    let url = url::Url::parse(&blobs.url).unwrap();
    let endpoint = url
        .query_pairs()
        .find(|(k, _)| k == "endpoint")
        .unwrap()
        .1
        .into_owned();
    object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(url.host_str().unwrap())
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id(blobs.access_key_id.clone().unwrap())
        .with_secret_access_key(blobs.secret_access_key.clone().unwrap())
        .build()
        .unwrap()
}

/// A `hanout-market serve` child process, killed when dropped.
pub(crate) struct Serving {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`, from the line `serve` prints first.
    pub base: String,
}

impl Serving {
    /// Spawns `serve` (with stdout piped) and waits for its address.
    pub(crate) fn start(command: &mut std::process::Command) -> Serving {
        use std::io::BufRead as _;
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_owned();
        Serving { child, base }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `hanout-market` with `args`, not started yet.
pub(crate) fn hanout_market_command(args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hanout-market"));
    command.args(args);
    command
}

/// `POST /v1/enroll` over the network; the code must work.
pub(crate) async fn http_enroll(
    client: &reqwest::Client,
    base: &str,
    code: String,
) -> EnrollResponse {
    let request = EnrollRequest {
        code,
        device_name: "Fatima's laptop".to_owned(),
        device_key: None,
    };
    let response = client
        .post(format!("{base}/v1/enroll"))
        .json(&request)
        .send()
        .await
        .unwrap();
    response.error_for_status().unwrap().json().await.unwrap()
}

/// `POST /v1/push` over the network; the push must be answered 200.
pub(crate) async fn http_push(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    changes: Vec<Change>,
) -> PushResponse {
    let response = client
        .post(format!("{base}/v1/push"))
        .bearer_auth(token)
        .json(&PushRequest { changes })
        .send()
        .await
        .unwrap();
    response.error_for_status().unwrap().json().await.unwrap()
}

/// `GET {base}{path}` over the network, answered 200 with JSON.
pub(crate) async fn http_get<T: DeserializeOwned>(
    client: &reqwest::Client,
    base: &str,
    path: &str,
) -> T {
    let response = client.get(format!("{base}{path}")).send().await.unwrap();
    response.error_for_status().unwrap().json().await.unwrap()
}
