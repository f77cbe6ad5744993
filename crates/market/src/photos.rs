//! Photos: `POST /v1/photos/missing` tells a device which of its photos to
//! upload (over tus, see `tus.rs`); `GET /photos/{sha256}.jpg` serves one
//! (or, for a display-size file still on its way, redirects to its
//! thumbnail).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use protocol::{MAX_PHOTOS_MISSING, PhotosMissingRequest, PhotosMissingResponse};

use uuid::Uuid;

use crate::auth::{self, Device};
use crate::db::{Tx, args};
use crate::error::AppError;
use crate::json::AppJson;
use crate::{Market, blobs, ranged};

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
/// is honoured, for downloads cut mid-file: see `ranged.rs`).
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
        Some((_, Access::None)) => return Ok(not_found()),
        None if device.is_none() => {
            // A display-size file still on its way (its list was set
            // ahead of it, see `listing_photos.rs`): its thumbnail
            // meanwhile, never cached. Devices get the 404 (their
            // download tries again next pass).
            let display = sha256.clone();
            let thumb = market
                .read(move |tx| thumbnail_meanwhile(tx, &display))
                .await?;
            return Ok(match thumb {
                Some(thumb) => (
                    StatusCode::TEMPORARY_REDIRECT,
                    [
                        (LOCATION, format!("{thumb}.jpg")),
                        (CACHE_CONTROL, "no-store".to_owned()),
                    ],
                )
                    .into_response(),
                None => not_found(),
            });
        }
        None => return Ok(not_found()),
    };
    let blob = ranged::Blob {
        key: blobs::photo_key(&sha256),
        size: total,
        etag: format!("\"{sha256}\""),
        headers: vec![
            (CONTENT_TYPE, "image/jpeg".to_owned()),
            (CACHE_CONTROL, cache.to_owned()),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
    };
    Ok(ranged::respond(market.blobs(), blob, &headers)
        .await?
        .unwrap_or_else(not_found))
}

/// The thumbnail a public listing shows for the display-size photo
/// `display` the store does not have yet, if any (and if it has that).
fn thumbnail_meanwhile(tx: &mut Tx<'_>, display: &str) -> crate::Result<Option<String>> {
    let row = tx.query_opt(
        "SELECT lp.thumb FROM listing_photos lp JOIN listings l ON l.id = lp.listing_id
         WHERE lp.display = ?1 AND l.deleted = 0 AND l.published = 1
           AND l.moderation = 'approved'
           AND EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = lp.thumb)
         LIMIT 1",
        args![display],
    )?;
    row.map(|r| r.get::<String>(0)).transpose()
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
