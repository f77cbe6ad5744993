//! Photos: `POST /v1/photos/missing` tells a device which of its photos to
//! upload (over tus, see `tus.rs`); `GET /photos/{sha256}.jpg` serves one.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, ETAG, RANGE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use protocol::{MAX_PHOTOS_MISSING, PhotosMissingRequest, PhotosMissingResponse};

use crate::auth::Device;
use crate::error::AppError;
use crate::json::AppJson;
use crate::{Market, blobs};

/// The API routes, under `/v1`.
pub(crate) fn router() -> Router<Market> {
    Router::new().route("/photos/missing", post(missing))
}

/// The public routes: the photos themselves.
pub(crate) fn public_router() -> Router<Market> {
    Router::new().route("/photos/{file}", get(photo))
}

async fn missing(
    State(market): State<Market>,
    _device: Device,
    AppJson(request): AppJson<PhotosMissingRequest>,
) -> Result<AppJson<PhotosMissingResponse>, AppError> {
    let count = request.hashes.len();
    if count > MAX_PHOTOS_MISSING {
        return Err(AppError::PayloadTooLarge(format!(
            "this asks about {count} photos; the limit is {MAX_PHOTOS_MISSING} — split it"
        )));
    }
    let hashes: Vec<String> = request
        .hashes
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if let Some(bad) = hashes.iter().find(|h| !blobs::is_sha256(h)) {
        return Err(AppError::BadRequest(format!(
            "`{bad}` is not a SHA-256 — send 64 hex digits per photo"
        )));
    }
    let missing = market.read(move |tx| blobs::missing(tx, &hashes)).await?;
    Ok(AppJson(PhotosMissingResponse { missing }))
}

/// A photo by its content hash. Its bytes can never change, so caches may
/// keep it forever.
async fn photo(
    State(market): State<Market>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound(format!("no photo is called `{file}`"));
    let sha256 = file
        .strip_suffix(".jpg")
        .filter(|h| blobs::is_sha256(h))
        .ok_or_else(not_found)?;
    let bytes = market.blobs().get(sha256).await?.ok_or_else(not_found)?;
    let common = [
        (CONTENT_TYPE, "image/jpeg".to_owned()),
        (
            CACHE_CONTROL,
            "public, max-age=31536000, immutable".to_owned(),
        ),
        (ETAG, format!("\"{sha256}\"")),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (ACCEPT_RANGES, "bytes".to_owned()),
    ];
    let total = bytes.len() as u64;
    match headers
        .get(RANGE)
        .map(|v| byte_range(v.to_str().unwrap_or(""), total))
    {
        // No range, or one this server does not read (several ranges):
        // the whole photo, as HTTP allows.
        None | Some(Range::Ignored) => Ok((common, bytes).into_response()),
        Some(Range::Unsatisfiable) => Ok((
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(CONTENT_RANGE, format!("bytes */{total}"))],
        )
            .into_response()),
        // A download cut mid-file goes on from where it stopped.
        Some(Range::Bytes(start, end)) => Ok((
            StatusCode::PARTIAL_CONTENT,
            common,
            [(CONTENT_RANGE, format!("bytes {start}-{end}/{total}"))],
            bytes.slice(start as usize..=end as usize),
        )
            .into_response()),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// Inclusive.
    Bytes(u64, u64),
    Unsatisfiable,
    Ignored,
}

/// One `bytes=` range of a `total`-byte body (`N-`, `N-M` or `-N`). Pure.
fn byte_range(header: &str, total: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Ignored;
    };
    if spec.contains(',') {
        return Range::Ignored;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Range::Ignored;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    let (start, end) = match (start.trim().is_empty(), end.trim().is_empty()) {
        (false, true) => match number(start) {
            Some(start) => (start, total.saturating_sub(1)),
            None => return Range::Ignored,
        },
        (false, false) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end => (start, end.min(total.saturating_sub(1))),
            _ => return Range::Ignored,
        },
        (true, false) => match number(end) {
            Some(0) => return Range::Unsatisfiable,
            Some(suffix) => (total.saturating_sub(suffix), total.saturating_sub(1)),
            None => return Range::Ignored,
        },
        (true, true) => return Range::Ignored,
    };
    if total == 0 || start >= total {
        Range::Unsatisfiable
    } else {
        Range::Bytes(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::{Range, byte_range};

    #[test]
    fn byte_ranges_are_read_as_http_says() {
        assert_eq!(byte_range("bytes=100-", 1000), Range::Bytes(100, 999));
        assert_eq!(byte_range("bytes=0-9", 1000), Range::Bytes(0, 9));
        assert_eq!(byte_range("bytes=990-5000", 1000), Range::Bytes(990, 999));
        assert_eq!(byte_range("bytes=-10", 1000), Range::Bytes(990, 999));
        assert_eq!(byte_range("bytes=1000-", 1000), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), Range::Ignored);
        assert_eq!(byte_range("items=0-1", 1000), Range::Ignored);
        assert_eq!(byte_range("bytes=9-2", 1000), Range::Ignored);
    }
}
