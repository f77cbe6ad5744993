//! Photos: `POST /v1/photos/missing` tells a device which of its photos to
//! upload (over tus, see `tus.rs`); `GET /photos/{sha256}.jpg` serves one.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
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
) -> Result<impl IntoResponse, AppError> {
    let not_found = || AppError::NotFound(format!("no photo is called `{file}`"));
    let sha256 = file
        .strip_suffix(".jpg")
        .filter(|h| blobs::is_sha256(h))
        .ok_or_else(not_found)?;
    let bytes = market.blobs().get(sha256).await?.ok_or_else(not_found)?;
    Ok((
        [
            (CONTENT_TYPE, "image/jpeg".to_owned()),
            (
                CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
            (ETAG, format!("\"{sha256}\"")),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    ))
}
