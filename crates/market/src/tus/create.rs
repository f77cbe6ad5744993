//! tus creation: `POST /v1/uploads` with `Upload-Length` and
//! `Upload-Metadata`; with creation-with-upload, the body (`Content-Type:
//! application/offset+octet-stream`, an optional `Upload-Checksum`) is the
//! upload's first chunk, taken like a PATCH at offset 0, and the answer says
//! `Upload-Offset`. A first chunk refused leaves the upload created at 0.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) async fn create(
    State(market): State<Market>,
    device: Device,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let Creation {
        length,
        sha256,
        filename,
    } = creation(&headers, &body)?;

    let id = Uuid::now_v7();
    let now_ms = market.now_ms();
    let expires_at_ms = now_ms + UPLOAD_LIFETIME_MS;
    let data_dir = market.data_dir().to_owned();
    let taken_down = sha256.clone();
    let limits = market.clone();
    let quota = market.config().storage_quota_bytes;
    let expired = market
        .run(move |tx| {
            if !crate::takedown::purged(tx, &[taken_down])?.is_empty() {
                return Ok(Err(refused_taken_down()));
            }
            let expired = drop_expired(tx, &data_dir, now_ms)?;
            let limiter = limits.upload_limiter();
            match quota::check_upload(tx, limiter, quota, device.cooperative_id, length, now_ms)? {
                Ok(()) => {}
                Err(refusal) => return Ok(Err(refused(refusal))),
            }
            tx.execute(
                "INSERT INTO uploads
                     (id, cooperative_id, device_id, length, sha256, filename, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                args![
                    &id.to_string(),
                    &device.cooperative_id.to_string(),
                    &device.id.to_string(),
                    i64::try_from(length).unwrap_or(i64::MAX),
                    &sha256,
                    &filename,
                    now_ms,
                    expires_at_ms
                ],
            )?;
            Ok(Ok(expired))
        })
        .await??;
    if let Some(bucket) = market.blobs().bucket() {
        for gone in &expired {
            bucket::forget(bucket, gone).await;
        }
    }
    tracing::info!(device_id = %device.id, upload_id = %id, length, "upload created");
    let mut answer = HeaderMap::new();
    answer.insert(
        LOCATION,
        header_value(format!("{}/uploads/{id}", protocol::API_PREFIX)),
    );
    answer.insert(UPLOAD_EXPIRES, http_date(expires_at_ms));
    if !body.is_empty() {
        let offset = first_chunk(market, device, id, headers, body).await?;
        answer.insert(UPLOAD_OFFSET, offset.into());
    }
    Ok((StatusCode::CREATED, answer).into_response())
}

/// What a creation asks for, from its headers.
#[derive(Debug)]
pub(super) struct Creation {
    pub(super) length: u64,
    /// Lowercase hex.
    pub(super) sha256: String,
    /// Dropped when longer than [`MAX_FILENAME_CHARS`].
    pub(super) filename: Option<String>,
}

/// Reads and checks a creation's headers (and whether a body comes with
/// the right type), before anything is stored: all of `POST`'s parsing.
pub(super) fn creation(headers: &HeaderMap, body: &[u8]) -> Result<Creation, AppError> {
    if !body.is_empty()
        && headers
            .get(CONTENT_TYPE)
            .is_none_or(|v| v != OFFSET_OCTET_STREAM)
    {
        return Err(status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::BadRequest,
            format!("a creation with data carries `Content-Type: {OFFSET_OCTET_STREAM}`"),
        ));
    }
    if headers.contains_key(UPLOAD_DEFER_LENGTH) {
        return Err(AppError::BadRequest(
            "this server needs the size up front — send `Upload-Length`".to_owned(),
        ));
    }
    let length = header_u64(headers, &UPLOAD_LENGTH).ok_or_else(|| {
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
                format!(
                    "`Upload-Metadata` must be `key base64,key base64…` with UTF-8 values, at most {MAX_METADATA_PAIRS} pairs"
                ),
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
    Ok(Creation {
        length,
        sha256,
        filename,
    })
}

/// creation-with-upload: the body appended as a PATCH at 0 would be. The
/// offset the upload stands at after it (0 when it was refused: the client
/// sends it again with PATCH).
async fn first_chunk(
    market: Market,
    device: Device,
    id: Uuid,
    mut headers: HeaderMap,
    body: Bytes,
) -> Result<u64, AppError> {
    headers.insert(UPLOAD_OFFSET, 0u64.into());
    match super::core::append(
        State(market),
        device,
        UrlPath(id.to_string()),
        headers,
        axum::body::Body::from(body),
    )
    .await
    {
        Ok(response) => Ok(header_u64(response.headers(), &UPLOAD_OFFSET).unwrap_or(0)),
        Err(AppError::Status {
            status, message, ..
        }) if status.is_client_error() => {
            tracing::info!(upload_id = %id, %status, %message, "first chunk refused at creation");
            Ok(0)
        }
        Err(AppError::BadRequest(message)) => {
            tracing::info!(upload_id = %id, %message, "first chunk refused at creation");
            Ok(0)
        }
        Err(other) => Err(other),
    }
}

fn refused_taken_down() -> AppError {
    status_error(
        StatusCode::FORBIDDEN,
        ErrorKind::Forbidden,
        "the marketplace's operator took this photo down — choose another photo".to_owned(),
    )
}

fn refused(refusal: quota::Refusal) -> AppError {
    match refusal {
        quota::Refusal::Full { used, quota } => AppError::PayloadTooLarge(format!(
            "your cooperative's photos take {} MB of its {} MB on this marketplace — remove photos from listings, or ask the marketplace for more room",
            used.div_ceil(1024 * 1024),
            quota / (1024 * 1024)
        )),
        quota::Refusal::TooFast { retry_after_s } => AppError::TooManyUploads { retry_after_s },
    }
}

/// Most pairs an `Upload-Metadata` may hold. The server reads two; the
/// bound keeps the duplicate check (quadratic) small: before it, 30,000
/// keys, 200 KB of header, took minutes of a runtime thread.
pub(crate) const MAX_METADATA_PAIRS: usize = 64;

/// `Upload-Metadata`: comma-separated `key base64(value)`, the value
/// optional, at most [`MAX_METADATA_PAIRS`] of them. Keys keep their order.
pub(crate) fn parse_metadata(header: &str) -> Result<Vec<(String, Option<String>)>, ()> {
    let mut pairs: Vec<(String, Option<String>)> = Vec::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if pairs.len() == MAX_METADATA_PAIRS {
            return Err(());
        }
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
