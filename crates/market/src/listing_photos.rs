//! `PUT /v1/listings/{id}/photos`: which photos a listing shows, in order.
//! A device sets them for its own cooperative's listings only, and only
//! with photos the blob store already holds (upload them over tus first).
//!
//! A list sent ahead of its photos (`when_uploaded`) is set as soon as
//! every *thumbnail* it names is here: buyers see the listing with its
//! thumbnails while the display-size files are still on their way (a
//! display not yet here is answered with its thumbnail, see `photos.rs`),
//! so on a slow link every listing is live with its thumbnails before any
//! display-size photo goes. Until then it is kept (`pending_photo_lists`)
//! and set in the transaction that admits its last thumbnail. A list is
//! synced (204) only once all its files are here.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use protocol::{ErrorKind, ListingPhoto, ListingPhotosRequest, ModerationState};
use uuid::Uuid;

use crate::auth::Device;
use crate::db::{Tx, args};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::moderation::{self, ModerationPolicy};
use crate::moderation_history::{self, Action, Event};
use crate::{Market, blobs};

/// Most photos one listing shows.
pub const MAX_LISTING_PHOTOS: usize = 20;

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/listings/{id}/photos", put(set_photos))
}

/// Why the photos were not set.
pub(crate) enum Refusal {
    /// The device's view of the list is stale: here is the current one.
    Stale(Vec<(String, String)>),
    UnknownListing,
    OtherCooperative,
    MissingBlobs(Vec<String>),
    /// Photos an operator purged.
    TakenDown(Vec<String>),
    /// Kept (`when_uploaded`) until the missing photos arrive.
    Pending,
    /// Not a refusal: set (`when_uploaded`), shown with its thumbnails,
    /// while some display-size files are still to come.
    AwaitingDisplays,
}

async fn set_photos(
    State(market): State<Market>,
    device: Device,
    Path(id): Path<String>,
    AppJson(request): AppJson<ListingPhotosRequest>,
) -> Result<Response, AppError> {
    let unknown = || AppError::NotFound(format!("no listing has the id `{id}`, or it was deleted"));
    let listing_id = Uuid::parse_str(&id).map_err(|_| unknown())?;
    let count = request.photos.len();
    if count > MAX_LISTING_PHOTOS {
        return Err(AppError::PayloadTooLarge(format!(
            "this sets {count} photos; a listing shows at most {MAX_LISTING_PHOTOS} — keep the best ones"
        )));
    }
    let photos: Vec<(String, String)> = request
        .photos
        .into_iter()
        .map(|p| (p.display.to_ascii_lowercase(), p.thumb.to_ascii_lowercase()))
        .collect();
    if let Some(bad) = photos
        .iter()
        .flat_map(|(d, t)| [d, t])
        .find(|h| !blobs::is_sha256(h))
    {
        return Err(AppError::BadRequest(format!(
            "`{bad}` is not a SHA-256 — send 64 hex digits per photo"
        )));
    }
    let expected = request.expected;
    let when_uploaded = request.when_uploaded;
    let policy = market.config().moderation;
    let now_ms = market.now_ms();
    let refused = market
        .run(move |tx| {
            let refused = set(
                tx,
                device,
                listing_id,
                &photos,
                expected.as_deref(),
                when_uploaded,
                policy,
                now_ms,
            )?;
            if when_uploaded && let Some(Refusal::MissingBlobs(_)) = refused {
                keep_pending(tx, device, listing_id, &photos, expected.as_deref(), now_ms)?;
                return Ok(Some(Refusal::Pending));
            }
            Ok(refused)
        })
        .await?;
    match refused {
        None => {
            tracing::info!(device_id = %device.id, %listing_id, photos = count, "listing photos set");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Some(Refusal::Pending) => {
            tracing::info!(device_id = %device.id, %listing_id, photos = count, "listing photos kept until their thumbnails arrive");
            Ok(StatusCode::ACCEPTED.into_response())
        }
        Some(Refusal::AwaitingDisplays) => {
            tracing::info!(device_id = %device.id, %listing_id, photos = count, "listing photos set; display-size files to come");
            Ok(StatusCode::ACCEPTED.into_response())
        }
        Some(Refusal::Stale(current)) => {
            tracing::info!(device_id = %device.id, %listing_id, "listing photos changed meanwhile");
            let body = ListingPhotosRequest {
                photos: current
                    .into_iter()
                    .map(|(display, thumb)| ListingPhoto { display, thumb })
                    .collect(),
                expected: None,
                when_uploaded: false,
            };
            Ok((StatusCode::PRECONDITION_FAILED, axum::Json(body)).into_response())
        }
        Some(Refusal::UnknownListing) => Err(unknown()),
        Some(Refusal::OtherCooperative) => Err(AppError::Status {
            status: StatusCode::FORBIDDEN,
            kind: ErrorKind::Forbidden,
            message: format!("the listing `{id}` belongs to another cooperative"),
        }),
        Some(Refusal::TakenDown(purged)) => Err(AppError::Status {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: ErrorKind::Forbidden,
            message: format!(
                "the marketplace's operator took the photos {} down — remove them from the listing",
                purged.join(", ")
            ),
        }),
        Some(Refusal::MissingBlobs(missing)) => Err(AppError::Status {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: ErrorKind::BadRequest,
            message: format!(
                "this server does not have the photos {} — upload them first (POST /v1/photos/missing says which)",
                missing.join(", ")
            ),
        }),
    }
}

/// Replaces the listing's photos, or says why not. Other photos are a
/// change a buyer sees: under `manual` moderation they send the listing
/// back to review (see [`ModerationPolicy`]). `displays_later`: set it
/// once the thumbnails are here ([`Refusal::AwaitingDisplays`] while
/// display-size files are missing); otherwise every file must be here.
#[allow(clippy::too_many_arguments)]
pub(crate) fn set(
    tx: &mut Tx<'_>,
    device: Device,
    listing_id: Uuid,
    photos: &[(String, String)],
    expected: Option<&[String]>,
    displays_later: bool,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<Option<Refusal>> {
    let id = listing_id.to_string();
    let Some(row) = tx.query_opt(
        "SELECT cooperative_id, deleted, moderation, rejection_reason FROM listings WHERE id = ?1",
        args![&id],
    )?
    else {
        return Ok(Some(Refusal::UnknownListing));
    };
    if row.get::<bool>(1)? {
        return Ok(Some(Refusal::UnknownListing));
    }
    if row.get::<Uuid>(0)? != device.cooperative_id {
        return Ok(Some(Refusal::OtherCooperative));
    }
    let state = moderation::from_sql(&row.get::<String>(2)?).unwrap_or(ModerationState::Pending);
    let reason: Option<String> = row.get(3)?;
    let hashes: Vec<String> = photos
        .iter()
        .flat_map(|(d, t)| [d.clone(), t.clone()])
        .collect();
    // What the list would lack: only display-size files may come later.
    let missing = blobs::missing(tx, &hashes)?;
    let awaiting = if missing.is_empty() {
        None
    } else if displays_later && photos.iter().all(|(_, t)| !missing.contains(t)) {
        Some(Refusal::AwaitingDisplays)
    } else {
        Some(Refusal::MissingBlobs(missing))
    };
    let current = crate::catalog::photos(tx, listing_id)?;
    if current == photos {
        // Already so (a list kept until its photos arrived and set then,
        // or an answer lost on the way), whatever the device last saw:
        // done once all its files are here.
        drop_pending(tx, &id)?;
        return Ok(awaiting);
    }
    if let Some(expected) = expected {
        let displays: Vec<&str> = current.iter().map(|(d, _)| d.as_str()).collect();
        let expected: Vec<String> = expected.iter().map(|h| h.to_ascii_lowercase()).collect();
        if displays != expected.iter().map(String::as_str).collect::<Vec<_>>() {
            return Ok(Some(Refusal::Stale(current)));
        }
    }
    let purged = crate::takedown::purged(tx, &hashes)?;
    if !purged.is_empty() {
        return Ok(Some(Refusal::TakenDown(purged)));
    }
    if let Some(refused @ Refusal::MissingBlobs(_)) = awaiting {
        return Ok(Some(refused));
    }
    drop_pending(tx, &id)?;
    tx.execute(
        "DELETE FROM listing_photos WHERE listing_id = ?1",
        args![&id],
    )?;
    // The listing's other devices learn of its new photos (and of its
    // moderation, if that changed) on their next pull.
    let seq = tx.next_change_seq()?;
    let next = policy.state_after_review_change(state);
    let reason = reason.filter(|_| next == ModerationState::Rejected);
    tx.execute(
        "UPDATE listings SET changes_seq = ?1, moderation = ?2, received_at_ms = ?3,
             rejection_reason = ?4
         WHERE id = ?5",
        args![seq, moderation::to_sql(next), now_ms, &reason, &id],
    )?;
    if next != state {
        moderation_history::append(
            tx,
            &[Event {
                listing_id,
                at_ms: now_ms,
                actor: moderation_history::device_actor(device.id),
                action: Action::PhotosChanged,
                state: next,
                reason: None,
            }],
        )?;
    }
    for (position, (display, thumb)) in photos.iter().enumerate() {
        tx.execute(
            "INSERT INTO listing_photos (listing_id, position, display, thumb)
             VALUES (?1, ?2, ?3, ?4)",
            args![&id, position as i64, display, thumb],
        )?;
    }
    Ok(awaiting)
}

/// Keeps `photos` to set once every blob they name is here (replacing the
/// list kept for this listing before, if any).
fn keep_pending(
    tx: &mut Tx<'_>,
    device: Device,
    listing_id: Uuid,
    photos: &[(String, String)],
    expected: Option<&[String]>,
    now_ms: i64,
) -> Result<()> {
    // Lists of strings: always serialisable.
    let photos = serde_json::to_string(photos).unwrap_or_default();
    let expected = serde_json::to_string(&expected).unwrap_or_default();
    tx.execute(
        "INSERT INTO pending_photo_lists
             (listing_id, device_id, cooperative_id, photos, expected, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (listing_id) DO UPDATE SET device_id = excluded.device_id,
             cooperative_id = excluded.cooperative_id, photos = excluded.photos,
             expected = excluded.expected, created_at = excluded.created_at",
        args![
            &listing_id.to_string(),
            &device.id.to_string(),
            &device.cooperative_id.to_string(),
            &photos,
            &expected,
            now_ms
        ],
    )?;
    Ok(())
}

fn drop_pending(tx: &mut Tx<'_>, listing_id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM pending_photo_lists WHERE listing_id = ?1",
        args![listing_id],
    )?;
    Ok(())
}

/// The photo `sha256` just arrived: sets the kept lists whose thumbnails
/// it completes, in the transaction that admitted it. A list another device's changed
/// meanwhile (its `expected` no longer holds), or that can no longer be
/// set (listing deleted, a photo taken down), is dropped: the device's
/// own `PUT` after its uploads learns why, as it would have without it.
pub(crate) fn apply_pending(
    tx: &mut Tx<'_>,
    sha256: &str,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<()> {
    let rows = tx.query(
        "SELECT listing_id, device_id, cooperative_id, photos, expected
         FROM pending_photo_lists WHERE photos LIKE ?1",
        args![&format!("%\"{sha256}\"%")],
    )?;
    for row in rows {
        let id: String = row.get(0)?;
        let parsed = (|| {
            let device = Device {
                id: Uuid::parse_str(&row.get::<String>(1).ok()?).ok()?,
                cooperative_id: Uuid::parse_str(&row.get::<String>(2).ok()?).ok()?,
            };
            let photos: Vec<(String, String)> =
                serde_json::from_str(&row.get::<String>(3).ok()?).ok()?;
            let expected: Option<Vec<String>> =
                serde_json::from_str(&row.get::<String>(4).ok()?).ok()?;
            Some((device, Uuid::parse_str(&id).ok()?, photos, expected))
        })();
        let Some((device, listing_id, photos, expected)) = parsed else {
            drop_pending(tx, &id)?;
            continue;
        };
        match set(
            tx,
            device,
            listing_id,
            &photos,
            expected.as_deref(),
            true,
            policy,
            now_ms,
        )? {
            None | Some(Refusal::AwaitingDisplays) => {
                tracing::info!(%listing_id, photos = photos.len(), "listing photos set as their last thumbnail arrived");
            }
            Some(Refusal::MissingBlobs(_)) => {}
            Some(_) => {
                tracing::info!(%listing_id, "kept photo list dropped: the listing changed meanwhile");
                drop_pending(tx, &id)?;
            }
        }
    }
    Ok(())
}
