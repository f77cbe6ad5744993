//! Photos: `POST /v1/photos/missing` tells a device which of its photos to
//! upload (over tus, see `tus.rs`); `GET /photos/{sha256}.jpg` serves one.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    RANGE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use protocol::{MAX_PHOTOS_MISSING, PhotosMissingRequest, PhotosMissingResponse};

use uuid::Uuid;

use crate::auth::{self, Device};
use crate::db::{Tx, args};
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

/// How long caches may keep a public photo: its bytes never change, but a
/// take-down must reach shared caches soon (purge a CDN for sooner).
pub(crate) const PUBLIC_PHOTO_CACHE: &str = "public, max-age=3600, immutable";

/// A photo by its content hash, streamed from the blob store (a `Range`
/// is honoured, for downloads cut mid-file).
///
/// Served to anyone while an approved, public, undeleted listing shows it;
/// otherwise only to a device of a cooperative with a live listing that
/// shows it (its token in `Authorization`), never cached. Photos of
/// rejected, deleted, draft or archived listings and purged photos are a
/// 404 to the public.
async fn photo(
    State(market): State<Market>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let not_found = || {
        let mut response =
            AppError::NotFound(format!("no photo is called `{file}`")).into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    };
    let Some(sha256) = file
        .strip_suffix(".jpg")
        .filter(|h| blobs::is_sha256(h))
        .map(str::to_owned)
    else {
        return Ok(not_found());
    };
    let device = auth::optional_device(&headers, &market).await?;
    let lookup = sha256.clone();
    let found = market
        .read(move |tx| access(tx, &lookup, device.map(|d| d.cooperative_id)))
        .await?;
    let (total, cache) = match found {
        Some((size, Access::Public)) => (size, PUBLIC_PHOTO_CACHE),
        Some((size, Access::Cooperative)) => (size, "private, no-store"),
        Some((_, Access::None)) | None => return Ok(not_found()),
    };
    let etag = format!("\"{sha256}\"");
    let common = [
        (CONTENT_TYPE, "image/jpeg".to_owned()),
        (CACHE_CONTROL, cache.to_owned()),
        (ETAG, etag.clone()),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (ACCEPT_RANGES, "bytes".to_owned()),
    ];
    let revalidating = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if revalidating {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let range = headers
        .get(RANGE)
        .map(|v| byte_range(v.to_str().unwrap_or(""), total));
    let (status, start, end) = match range {
        // No range, or one this server does not read (several ranges):
        // the whole photo, as HTTP allows.
        None | Some(Range::Ignored) => (StatusCode::OK, 0, total.saturating_sub(1)),
        Some(Range::Unsatisfiable) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(CONTENT_RANGE, format!("bytes */{total}"))],
            )
                .into_response());
        }
        // A download cut mid-file goes on from where it stopped.
        Some(Range::Bytes(start, end)) => (StatusCode::PARTIAL_CONTENT, start, end),
    };
    if total == 0 {
        return Ok((StatusCode::OK, common, Vec::<u8>::new()).into_response());
    }
    let Some(body) = market.blobs().stream(&sha256, (start, end)).await? else {
        tracing::error!(%sha256, "a recorded photo is missing from the blob store");
        return Ok(not_found());
    };
    let mut response = (status, common, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(end + 1 - start));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(value) = HeaderValue::try_from(format!("bytes {start}-{end}/{total}"))
    {
        headers.insert(CONTENT_RANGE, value);
    }
    Ok(response)
}

/// Who may see a stored photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// A public listing shows it.
    Public,
    /// Only the asking device's cooperative has a (non-public) listing
    /// that shows it.
    Cooperative,
    None,
}

/// The photo's size and who may see it; `None` if the store has no such
/// photo (never uploaded, or purged).
fn access(
    tx: &mut Tx<'_>,
    sha256: &str,
    cooperative: Option<Uuid>,
) -> crate::Result<Option<(u64, Access)>> {
    let cooperative = cooperative.map(|id| id.to_string());
    let Some(row) = tx.query_opt(
        "SELECT p.size,
             EXISTS (SELECT 1 FROM listing_photos lp JOIN listings l ON l.id = lp.listing_id
                     WHERE (lp.display = ?1 OR lp.thumb = ?1) AND l.deleted = 0
                       AND l.published = 1 AND l.moderation = 'approved'),
             EXISTS (SELECT 1 FROM listing_photos lp JOIN listings l ON l.id = lp.listing_id
                     WHERE (lp.display = ?1 OR lp.thumb = ?1) AND l.deleted = 0
                       AND l.cooperative_id = ?2)
         FROM photos p WHERE p.sha256 = ?1",
        args![sha256, &cooperative],
    )?
    else {
        return Ok(None);
    };
    let size = u64::try_from(row.get::<i64>(0)?).unwrap_or(0);
    let access = if row.get::<bool>(1)? {
        Access::Public
    } else if row.get::<bool>(2)? {
        Access::Cooperative
    } else {
        Access::None
    };
    Ok(Some((size, access)))
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
