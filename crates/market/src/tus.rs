//! Photo uploads over tus 1.0 (<https://tus.io/protocols/resumable-upload>):
//! core, creation, checksum (sha256), expiration and termination, at
//! `/v1/uploads`.
//!
//! A device creates an upload with `Upload-Length` and `Upload-Metadata`
//! (`sha256` = the photo's SHA-256 in hex, `filename`), then PATCHes chunks.
//! Each chunk is taken whole or not at all: it is read to the end, checked
//! against `Upload-Checksum` when given, appended to `<data>/uploads/ID.part`
//! and only then counted in the offset, which lives in the database so any
//! server process can take the next chunk. A chunk cut off mid-way leaves
//! the offset where it was; the client asks (HEAD) and sends it again. When
//! the last byte arrives the whole file must hash to the declared SHA-256;
//! it then moves into the blob store.
//!
//! Chunks are bounded by the server's request body limit (4 MiB by
//! default) and its request timeout: on a slow link, send small chunks.
//!
//! The `.part` files are on the local disk even when the photos go to a
//! bucket: server processes behind a load balancer need a shared data
//! directory (or sticky sessions) for uploads to progress. A process that
//! lacks the bytes rewinds the offset to what it has and answers 409, so
//! nothing wrong is ever stored — the upload restarts instead.

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
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Market;
use crate::auth::Device;
use crate::blobs::{self, remove_if_present};
use crate::error::{AppError, Result};

pub(crate) const TUS_VERSION: &str = "1.0.0";
const TUS_EXTENSIONS: &str = "creation,checksum,expiration,termination";
/// Largest photo accepted, in bytes.
pub(crate) const MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;
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

// ---- creation ----

async fn create(
    State(market): State<Market>,
    device: Device,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if headers.contains_key(UPLOAD_DEFER_LENGTH) {
        return Err(AppError::BadRequest(
            "this server needs the size up front — send `Upload-Length`".to_owned(),
        ));
    }
    let length = header_u64(&headers, &UPLOAD_LENGTH).ok_or_else(|| {
        AppError::BadRequest("send the photo's size in bytes as `Upload-Length`".to_owned())
    })?;
    if length == 0 {
        return Err(AppError::BadRequest("the photo is empty".to_owned()));
    }
    if length > MAX_UPLOAD_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "the photo is {} MB; the limit is {} MB — export a smaller JPEG",
            length.div_ceil(1024 * 1024),
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let metadata = headers
        .get(UPLOAD_METADATA)
        .map(|v| v.to_str().map_err(|_| ()).and_then(parse_metadata))
        .transpose()
        .map_err(|()| {
            AppError::BadRequest(
                "`Upload-Metadata` must be `key base64,key base64…` with UTF-8 values".to_owned(),
            )
        })?
        .unwrap_or_default();
    let sha256 = metadata
        .iter()
        .find(|(k, _)| k == "sha256")
        .and_then(|(_, v)| v.as_deref())
        .map(str::to_ascii_lowercase)
        .filter(|h| blobs::is_sha256(h))
        .ok_or_else(|| {
            AppError::BadRequest(
                "`Upload-Metadata` needs `sha256`: the photo's SHA-256 as 64 hex digits".to_owned(),
            )
        })?;
    let filename = metadata
        .into_iter()
        .find(|(k, _)| k == "filename")
        .and_then(|(_, v)| v)
        .filter(|name| name.chars().count() <= MAX_FILENAME_CHARS);

    let id = Uuid::now_v7();
    let now_ms = market.now_ms();
    let expires_at_ms = now_ms + UPLOAD_LIFETIME_MS;
    let data_dir = market.data_dir().to_owned();
    market
        .run(move |conn| {
            drop_expired(conn, &data_dir, now_ms)?;
            conn.execute(
                "INSERT INTO uploads
                     (id, cooperative_id, device_id, length, sha256, filename, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id.to_string(),
                    device.cooperative_id.to_string(),
                    device.id.to_string(),
                    i64::try_from(length).unwrap_or(i64::MAX),
                    sha256,
                    filename,
                    now_ms,
                    expires_at_ms
                ],
            )?;
            Ok(())
        })
        .await?;
    tracing::info!(device_id = %device.id, upload_id = %id, length, "upload created");
    let mut headers = HeaderMap::new();
    headers.insert(
        LOCATION,
        header_value(format!("{}/uploads/{id}", protocol::API_PREFIX)),
    );
    headers.insert(UPLOAD_EXPIRES, http_date(expires_at_ms));
    Ok((StatusCode::CREATED, headers).into_response())
}

/// `Upload-Metadata`: comma-separated `key base64(value)`, the value
/// optional. Keys keep their order.
pub(crate) fn parse_metadata(header: &str) -> Result<Vec<(String, Option<String>)>, ()> {
    let mut pairs: Vec<(String, Option<String>)> = Vec::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = match pair.split_once(' ') {
            Some((key, value)) => {
                let bytes = BASE64.decode(value.trim()).map_err(|_| ())?;
                (key, Some(String::from_utf8(bytes).map_err(|_| ())?))
            }
            None => (pair, None),
        };
        if key.is_empty() || pairs.iter().any(|(k, _)| k == key) {
            return Err(());
        }
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs)
}

// ---- core: HEAD and PATCH ----

async fn status(
    State(market): State<Market>,
    device: Device,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, AppError> {
    let now_ms = market.now_ms();
    let key = id.clone();
    let mut upload = market
        .run(move |conn| live_upload(conn, &key, device, now_ms))
        .await??;
    if upload.offset == upload.length && !upload.completed {
        finish(&market, &id, &upload.sha256, upload.length).await?;
        upload = market
            .run(move |conn| live_upload(conn, &id, device, now_ms))
            .await??;
    }
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, upload.offset.into());
    headers.insert(UPLOAD_LENGTH, upload.length.into());
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !upload.completed {
        headers.insert(UPLOAD_EXPIRES, http_date(upload.expires_at_ms));
    }
    Ok((StatusCode::OK, headers).into_response())
}

async fn append(
    State(market): State<Market>,
    device: Device,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let content_type_ok = headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v == OFFSET_OCTET_STREAM);
    if !content_type_ok {
        return Err(status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::BadRequest,
            format!("a PATCH carries `Content-Type: {OFFSET_OCTET_STREAM}`"),
        ));
    }
    let offset = header_u64(&headers, &UPLOAD_OFFSET).ok_or_else(|| {
        AppError::BadRequest("send the chunk's position as `Upload-Offset`".to_owned())
    })?;
    let checksum = headers
        .get(UPLOAD_CHECKSUM)
        .map(|v| parse_checksum(v.to_str().unwrap_or_default()))
        .transpose()?;
    let now_ms = market.now_ms();
    let data_dir = market.data_dir().to_owned();
    let id_for_finish = id.clone();
    let (offset, upload, written) = market
        .run(move |conn| {
            let upload = match live_upload(conn, &id, device, now_ms)? {
                Ok(upload) => upload,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if offset != upload.offset {
                return Ok(Err(status_error(
                    StatusCode::CONFLICT,
                    ErrorKind::BadRequest,
                    format!(
                        "this chunk starts at byte {offset} but the server has {} — ask with HEAD and resume from there",
                        upload.offset
                    ),
                )));
            }
            if let Some(expected) = checksum {
                let actual: [u8; 32] = Sha256::digest(&body).into();
                if actual != expected {
                    return Ok(Err(checksum_mismatch(
                        "this chunk does not match its `Upload-Checksum` — send it again".to_owned(),
                    )));
                }
            }
            let end = offset + body.len() as u64;
            if end > upload.length {
                return Ok(Err(AppError::BadRequest(format!(
                    "this chunk ends at byte {end}, past the upload's length {}",
                    upload.length
                ))));
            }
            write_chunk(conn, &data_dir, &id, &upload, &body)
                .map(|r| r.map(|written| (end, upload, written)))
        })
        .await??;
    if let Written::Full = written {
        finish(&market, &id_for_finish, &upload.sha256, upload.length).await?;
    }
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, offset.into());
    if offset < upload.length {
        headers.insert(UPLOAD_EXPIRES, http_date(upload.expires_at_ms));
    }
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// Appends `chunk` at the upload's offset and counts it; after the last
/// chunk, checks the whole file.
///
/// Runs while holding the database connection, so two PATCHes of one
/// upload (a client retrying while its first request is still in flight)
/// never interleave their writes: the second sees the first's offset and
/// gets 409. The price is that chunk writes are serialised with all other
/// database work of this process; chunks are small and this is one fsync.
fn write_chunk(
    conn: &mut Connection,
    data_dir: &Path,
    id: &str,
    upload: &Upload,
    chunk: &[u8],
) -> Result<Result<Written, AppError>> {
    let part = part_path(data_dir, id);
    if let Some(dir) = part.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&part)?;
    let on_disk = file.metadata()?.len();
    if on_disk < upload.offset {
        // The bytes counted so far are not here: another server process
        // without this data directory took the earlier chunks, or the disk
        // lost them. Count only what is here and send the client back to it.
        let here = i64::try_from(on_disk).unwrap_or(0);
        conn.execute(
            "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
            params![here, id],
        )?;
        tracing::warn!(
            upload_id = id,
            on_disk,
            counted = upload.offset,
            "upload bytes missing; offset rewound"
        );
        return Ok(Err(AppError::Status {
            status: StatusCode::CONFLICT,
            kind: ErrorKind::BadRequest,
            message: format!(
                "this server has only {on_disk} bytes of the upload — ask with HEAD and resume from there"
            ),
        }));
    }
    // Bytes past the committed offset are from a chunk that was never
    // counted: drop them.
    file.set_len(upload.offset)?;
    file.seek(SeekFrom::Start(upload.offset))?;
    file.write_all(chunk)?;
    file.sync_data()?;
    drop(file);
    let end = upload.offset + chunk.len() as u64;
    let end_sql = i64::try_from(end).unwrap_or(i64::MAX);
    if end < upload.length {
        conn.execute(
            "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
            params![end_sql, id],
        )?;
        return Ok(Ok(Written::Partial));
    }
    let actual = sha256_file(&part)?;
    if actual != upload.sha256 {
        remove_if_present(&part)?;
        conn.execute("DELETE FROM uploads WHERE id = ?1", [id])?;
        tracing::warn!(upload_id = id, "upload discarded: SHA-256 mismatch");
        return Ok(Err(checksum_mismatch(format!(
            "the uploaded file's SHA-256 is {actual}, not the declared {} — the upload was discarded; upload the photo again",
            upload.sha256
        ))));
    }
    // All bytes are here and right; `finish` moves them to the blob store.
    conn.execute(
        "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
        params![end_sql, id],
    )?;
    Ok(Ok(Written::Full))
}

/// What a PATCH left behind.
enum Written {
    Partial,
    /// Every byte arrived and the file hashes to the declared SHA-256.
    Full,
}

/// Moves a full, verified upload into the blob store, records the photo
/// and marks the upload complete. Runs after the last PATCH, outside the
/// database lock (the blob store may be a remote bucket); HEAD runs it again
/// for an upload whose server stopped half-way through, so every step may
/// find its work done already.
async fn finish(market: &Market, id: &str, sha256: &str, length: u64) -> Result<()> {
    let part = part_path(market.data_dir(), id);
    if part.exists() {
        market.blobs().put_file(sha256, part).await?;
    }
    let stored = market.blobs().contains(sha256).await?;
    let now_ms = market.now_ms();
    let (id, sha256) = (id.to_owned(), sha256.to_owned());
    let size = i64::try_from(length).unwrap_or(i64::MAX);
    market
        .run(move |conn| {
            let tx = conn.transaction()?;
            if stored {
                blobs::record(&tx, &sha256, size, now_ms)?;
                tx.execute(
                    "UPDATE uploads SET completed_at = ?1 WHERE id = ?2",
                    params![now_ms, id],
                )?;
                tracing::info!(upload_id = %id, %sha256, "photo stored");
            } else {
                // Neither the bytes nor the blob: forget the upload, so the
                // device's next HEAD (404) makes it start again.
                tx.execute("DELETE FROM uploads WHERE id = ?1", [&id])?;
                tracing::warn!(upload_id = %id, "upload lost its bytes; dropped");
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

// ---- termination ----

async fn terminate(
    State(market): State<Market>,
    device: Device,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, AppError> {
    let data_dir = market.data_dir().to_owned();
    market
        .run(move |conn| {
            if upload(conn, &id, device)?.is_none() {
                return Ok(Err(unknown_upload(&id)));
            }
            remove_if_present(&part_path(&data_dir, &id))?;
            conn.execute("DELETE FROM uploads WHERE id = ?1", [&id])?;
            Ok(Ok(()))
        })
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- storage ----

/// The upload `id` of the device's cooperative, if there is one.
fn upload(conn: &Connection, id: &str, device: Device) -> Result<Option<Upload>> {
    let found = conn
        .query_row(
            "SELECT length, upload_offset, sha256, expires_at, completed_at IS NOT NULL
             FROM uploads WHERE id = ?1 AND cooperative_id = ?2",
            params![id, device.cooperative_id.to_string()],
            |row| {
                Ok(Upload {
                    length: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                    offset: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                    sha256: row.get(2)?,
                    expires_at_ms: row.get(3)?,
                    completed: row.get(4)?,
                })
            },
        )
        .optional()?;
    Ok(found)
}

/// The upload, or why the client cannot use it: unknown (404, also for
/// another cooperative's) or expired (410).
fn live_upload(
    conn: &Connection,
    id: &str,
    device: Device,
    now_ms: i64,
) -> Result<Result<Upload, AppError>> {
    Ok(match upload(conn, id, device)? {
        None => Err(unknown_upload(id)),
        Some(upload) if !upload.completed && upload.expires_at_ms <= now_ms => Err(status_error(
            StatusCode::GONE,
            ErrorKind::NotFound,
            format!("the upload `{id}` expired — start a new one"),
        )),
        Some(upload) => Ok(upload),
    })
}

/// Drops uploads past their expiry, finished or not, with their bytes.
fn drop_expired(conn: &Connection, data_dir: &Path, now_ms: i64) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT id FROM uploads WHERE expires_at <= ?1")?;
    let ids = stmt
        .query_map([now_ms], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in ids {
        remove_if_present(&part_path(data_dir, &id))?;
        conn.execute("DELETE FROM uploads WHERE id = ?1", [&id])?;
    }
    Ok(())
}

fn part_path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("uploads").join(format!("{id}.part"))
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
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

fn unknown_upload(id: &str) -> AppError {
    AppError::NotFound(format!("no upload `{id}` — create one with POST"))
}
