//! `GET /v1/pull?since=CURSOR&limit=N`: what changed in the device's
//! cooperative's listings since its cursor — pushes from its other devices,
//! deletes, moderation — oldest first, paged.
//!
//! Every write to a listing gives it the next number of one server-wide
//! sequence (`listings.changes_seq`); the cursor is the highest number the
//! device has seen. A listing that changed twice since then comes once, in
//! its current state.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use std::collections::HashMap;

use protocol::{ListingPhoto, MAX_PULL_LIMIT, PullResponse, PulledListing};
use serde::Deserialize;
use uuid::Uuid;

use crate::Market;
use crate::auth::Device;
use crate::db::{Arg, Tx, args};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::stored::{self, Stored};

/// Changes per answer when the device does not say.
const DEFAULT_LIMIT: usize = 100;

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/pull", get(pull))
}

#[derive(Debug, Deserialize)]
struct PullQuery {
    since: Option<String>,
    limit: Option<usize>,
}

async fn pull(
    State(market): State<Market>,
    device: Device,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<AppJson<PullResponse>, AppError> {
    let Query(query) = query.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let since = match query.since.as_deref() {
        None | Some("") => 0,
        Some(cursor) => parse_cursor(cursor).ok_or_else(|| {
            AppError::BadRequest(format!(
                "`{cursor}` is not a cursor this server gave — pull again without `since`"
            ))
        })?,
    };
    let limit = query
        .limit
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let response = market
        .read(move |tx| changes_since(tx, device.cooperative_id, since, limit))
        .await?;
    tracing::debug!(device_id = %device.id, since, changes = response.changes.len(), "pull");
    Ok(AppJson(response))
}

/// Cursors are the decimal sequence number; clients treat them as opaque.
fn parse_cursor(cursor: &str) -> Option<i64> {
    cursor
        .parse::<i64>()
        .ok()
        .filter(|&n| n >= 0 && cursor.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) fn changes_since(
    tx: &mut Tx<'_>,
    cooperative_id: Uuid,
    since: i64,
    limit: usize,
) -> Result<PullResponse> {
    let sql = format!(
        "SELECT {} FROM listings l
         WHERE l.cooperative_id = ?1 AND l.changes_seq > ?2
         ORDER BY l.changes_seq
         LIMIT ?3",
        stored::COLUMNS
    );
    // One more than asked tells whether another page waits.
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    let mut rows = tx
        .query(&sql, args![&cooperative_id.to_string(), since, fetch])?
        .iter()
        .map(Stored::from_row)
        .collect::<Result<Vec<_>>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let cursor = rows.last().map_or(since, |l| l.version);
    let mut photos = photos_and_awaited_of(tx, rows.iter().map(|l| l.id))?;
    Ok(PullResponse {
        changes: rows
            .into_iter()
            .map(|stored| {
                let listing_photos = photos.remove(&stored.id).unwrap_or_default();
                let awaited = listing_photos
                    .iter()
                    .filter(|(_, awaited)| *awaited)
                    .map(|(p, _)| p.display.clone())
                    .collect();
                let listing_photos = listing_photos.into_iter().map(|(p, _)| p).collect();
                pulled(stored, listing_photos, awaited)
            })
            .collect(),
        cursor: cursor.to_string(),
        more,
    })
}

/// The photos of the listings `ids`, each in order, in one query (the pull
/// page and the public catalog's JSON).
pub(crate) fn photos_of(
    tx: &mut Tx<'_>,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Vec<ListingPhoto>>> {
    Ok(photos_and_awaited_of(tx, ids)?
        .into_iter()
        .map(|(id, photos)| (id, photos.into_iter().map(|(p, _)| p).collect()))
        .collect())
}

/// [`photos_of`], each photo with whether its display file is still to
/// come (a list set ahead of it, see `listing_photos.rs`).
fn photos_and_awaited_of(
    tx: &mut Tx<'_>,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Vec<(ListingPhoto, bool)>>> {
    let mut photos: HashMap<Uuid, Vec<(ListingPhoto, bool)>> = HashMap::new();
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    if ids.is_empty() {
        return Ok(photos);
    }
    let placeholders = (1..=ids.len())
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT listing_id, display, thumb,
             NOT EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = lp.display)
         FROM listing_photos lp
         WHERE listing_id IN ({placeholders}) ORDER BY listing_id, position"
    );
    let args: Vec<Arg<'_>> = ids.iter().map(Arg::from).collect();
    for row in tx.query(&sql, &args)? {
        let photo = ListingPhoto {
            display: row.get(1)?,
            thumb: row.get(2)?,
        };
        photos
            .entry(row.get(0)?)
            .or_default()
            .push((photo, row.get(3)?));
    }
    Ok(photos)
}

fn pulled(stored: Stored, photos: Vec<ListingPhoto>, awaited: Vec<String>) -> PulledListing {
    // A bare tombstone (deleted before the server saw it) has no content.
    let bare = stored.is_bare();
    let hlc = stored.latest_hlc();
    PulledListing {
        hlc,
        listing_id: stored.id,
        version: Some(stored.version),
        deleted: stored.deleted,
        listing: (!bare).then_some(stored.content),
        moderation: stored.moderation,
        rejection_reason: stored.rejection_reason,
        photos: (!bare).then_some(photos),
        photos_awaited: awaited,
    }
}
