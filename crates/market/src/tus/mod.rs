//! Photo uploads over tus 1.0 (<https://tus.io/protocols/resumable-upload>):
//! core, creation, checksum (sha256), expiration and termination, at
//! `/v1/uploads`.
//!
//! A device creates an upload with `Upload-Length` and `Upload-Metadata`
//! (`sha256` = the photo's SHA-256 in hex, `filename`), then PATCHes chunks.
//! A chunk is read to the end, checked against `Upload-Checksum` when
//! given, appended to `<data>/uploads/ID.part` (or a bucket object) and
//! only then counted in the offset, which lives in the database so any
//! server process can take the next chunk. A chunk whose connection ends
//! before its declared `Content-Length` keeps the part that arrived
//! (unchecked: its checksum covers the whole chunk) and the client, asking
//! with HEAD, sends only the rest; on a link cut every 20 s this halves
//! what a cut costs. When the last byte arrives the whole file must hash to
//! the declared SHA-256 (a damaged kept part fails here, and the upload is
//! discarded); it then moves into the blob store.
//!
//! Chunks are bounded by the server's request body limit (4 MiB by
//! default) and its request timeout: on a slow link, send small chunks.
//!
//! When the photos go to a bucket, the chunks do too (`bucket.rs`): each
//! one an object, listed in the database, so server processes on different
//! machines behind a load balancer can each take a chunk of one upload.
//! With photos on the local disk, chunks go to `<data>/uploads/ID.part`;
//! a process that lacks the bytes (another machine's data directory)
//! rewinds the offset to what it has and answers 409, so nothing wrong is
//! ever stored — the upload restarts instead.

use std::fs::{self, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::options;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use protocol::ErrorKind;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Device;
use crate::blobs::{self, remove_if_present};
use crate::db::{Tx, args};
use crate::error::{AppError, Result};
use crate::{Market, quota};

mod core;
mod create;
mod storage;
mod terminate;

use self::core::{append, status};
use create::create;
#[cfg(test)]
pub(crate) use create::{MAX_METADATA_PAIRS, parse_metadata};
mod bucket;

use storage::{drop_expired, live_upload, part_path, sha256_file, upload};
use terminate::terminate;

pub(crate) const TUS_VERSION: &str = "1.0.0";
const TUS_EXTENSIONS: &str = "creation,creation-with-upload,checksum,expiration,termination";
/// Largest photo accepted, in bytes.
pub(crate) const MAX_UPLOAD_BYTES: u64 = protocol::MAX_PHOTO_BYTES;
/// An unfinished upload is dropped this long after its creation.
pub(crate) const UPLOAD_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;
const MAX_FILENAME_CHARS: usize = 255;

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const TUS_VERSION_HEADER: HeaderName = HeaderName::from_static("tus-version");
const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static("tus-checksum-algorithm");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/uploads", options(discover).post(create))
        .route(
            "/uploads/{id}",
            options(discover)
                .head(status)
                .patch(append)
                .delete(terminate),
        )
        .route_layer(middleware::from_fn(tus_resumable))
}

/// Every answer says `Tus-Resumable: 1.0.0`; every request but OPTIONS
/// must say it too (412 otherwise, as the spec asks).
async fn tus_resumable(request: Request, next: Next) -> Response {
    let version_ok = request
        .headers()
        .get(TUS_RESUMABLE)
        .is_some_and(|v| v == TUS_VERSION);
    let mut response = if version_ok || request.method() == Method::OPTIONS {
        next.run(request).await
    } else {
        let mut response = status_error(
            StatusCode::PRECONDITION_FAILED,
            ErrorKind::BadRequest,
            format!("this server speaks tus {TUS_VERSION} — send `Tus-Resumable: {TUS_VERSION}`"),
        )
        .into_response();
        response
            .headers_mut()
            .insert(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION));
        response
    };
    response
        .headers_mut()
        .insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    response
}

async fn discover() -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION));
    headers.insert(TUS_EXTENSION, HeaderValue::from_static(TUS_EXTENSIONS));
    headers.insert(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_static("sha256"));
    headers.insert(TUS_MAX_SIZE, MAX_UPLOAD_BYTES.into());
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// An upload as the database holds it.
#[derive(Debug)]
struct Upload {
    length: u64,
    offset: u64,
    sha256: String,
    expires_at_ms: i64,
    completed: bool,
}

// ---- headers ----

/// `Upload-Checksum: sha256 <base64 digest>`.
fn parse_checksum(value: &str) -> Result<[u8; 32], AppError> {
    let (algorithm, digest) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return Err(AppError::BadRequest(format!(
            "the checksum algorithm `{algorithm}` is not supported — use sha256"
        )));
    }
    BASE64
        .decode(digest.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            AppError::BadRequest(
                "`Upload-Checksum` must be `sha256 <base64 of the 32-byte digest>`".to_owned(),
            )
        })
}

/// A header holding a non-negative decimal integer, as tus requires.
fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    let text = headers.get(name)?.to_str().ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn http_date(ms: i64) -> HeaderValue {
    let time = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    header_value(httpdate::fmt_http_date(time))
}

fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn status_error(status: StatusCode, kind: ErrorKind, message: String) -> AppError {
    AppError::Status {
        status,
        kind,
        message,
    }
}

/// tus's 460 Checksum Mismatch.
fn checksum_mismatch(message: String) -> AppError {
    let status = StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST);
    status_error(status, ErrorKind::BadRequest, message)
}

/// How long one request's claim to finish an upload holds: a HEAD that
/// comes while the last PATCH is still moving the photo into the blob
/// store does not do it a second time, unless that request died.
pub(crate) const FINISH_LEASE_MS: i64 = 5 * 60 * 1000;

/// Claims the finishing of complete upload `id` for this request. `false`:
/// it is done, or another request claimed it within [`FINISH_LEASE_MS`].
async fn claim_finish(market: &Market, id: &str) -> Result<bool> {
    let now_ms = market.now_ms();
    let id = id.to_owned();
    market
        .run(move |tx| {
            let claimed = tx.execute(
                "UPDATE uploads SET finishing_at = ?1
                 WHERE id = ?2 AND completed_at IS NULL
                   AND (finishing_at IS NULL OR finishing_at <= ?3)",
                args![now_ms, &id, now_ms.saturating_sub(FINISH_LEASE_MS)],
            )?;
            Ok(claimed == 1)
        })
        .await
}

/// Drops uploads past their expiry, with their bytes on disk or in the
/// bucket (the clean-up timer calls this). Returns how many went.
pub(crate) async fn drop_expired_uploads(market: &Market, now_ms: i64) -> Result<usize> {
    let data_dir = market.data_dir().to_owned();
    let expired = market
        .run(move |tx| drop_expired(tx, &data_dir, now_ms))
        .await?;
    if let Some(bucket) = market.blobs().bucket() {
        for gone in &expired {
            bucket::forget(bucket, gone).await;
        }
    }
    Ok(expired.len())
}

/// `POST` and `PATCH /v1/uploads`'s header parsing with no server, database
/// or disk behind it: the entry points of the `tus_headers` fuzz target
/// (`fuzz/` at the repository's root). Not an API; a refusal is the
/// status code its response would carry.
#[doc(hidden)]
pub mod fuzzing {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse as _;

    use super::{AppError, Upload};

    /// A creation's `(length, sha256, filename)`, as `POST` reads them.
    pub fn create(
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(u64, String, Option<String>), StatusCode> {
        let creation = super::create::creation(headers, body).map_err(refusal)?;
        Ok((creation.length, creation.sha256, creation.filename))
    }

    /// Where `chunk` would end, sent with `headers` to an upload of
    /// `length` bytes that stands at `offset`, as `PATCH` decides it.
    pub fn patch(
        headers: &HeaderMap,
        length: u64,
        offset: u64,
        chunk: &[u8],
    ) -> Result<u64, StatusCode> {
        let (at, checksum) = super::core::chunk_headers(headers).map_err(refusal)?;
        let upload = Upload {
            length,
            offset,
            sha256: String::new(),
            expires_at_ms: 0,
            completed: false,
        };
        super::core::check_chunk(&upload, at, checksum, chunk).map_err(refusal)
    }

    /// `Upload-Metadata`'s pairs, or `None` when the header is refused.
    pub fn metadata(header: &str) -> Option<Vec<(String, Option<String>)>> {
        super::create::parse_metadata(header).ok()
    }

    /// The status of the response the refusal renders as (rendering it
    /// is part of what is fuzzed).
    fn refusal(error: AppError) -> StatusCode {
        error.into_response().status()
    }
}

fn unknown_upload(id: &str) -> AppError {
    AppError::NotFound(format!("no upload `{id}` — create one with POST"))
}
