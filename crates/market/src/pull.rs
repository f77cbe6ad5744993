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
use protocol::{
    ListingPayload, LocalizedText, MAX_PULL_LIMIT, ModerationState, PullResponse, PulledListing,
};
use rusqlite::{Connection, Row};
use serde::Deserialize;
use uuid::Uuid;

use crate::Market;
use crate::auth::Device;
use crate::cooperative::uuid_column;
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::moderation;

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
        .run(move |conn| changes_since(conn, device.cooperative_id, since, limit))
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
    conn: &Connection,
    cooperative_id: Uuid,
    since: i64,
    limit: usize,
) -> Result<PullResponse> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, deleted, title_ar, title_fr, title_en, price_centimes, updated_at_ms,
                moderation, rejection_reason, changes_seq
         FROM listings
         WHERE cooperative_id = ?1 AND changes_seq > ?2
         ORDER BY changes_seq
         LIMIT ?3",
    )?;
    // One more than asked tells whether another page waits.
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    let mut rows = stmt
        .query_map(
            rusqlite::params![cooperative_id.to_string(), since, fetch],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<(PulledListing, i64)>>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let cursor = rows.last().map_or(since, |(_, seq)| *seq);
    Ok(PullResponse {
        changes: rows.into_iter().map(|(listing, _)| listing).collect(),
        cursor: cursor.to_string(),
        more,
    })
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<(PulledListing, i64)> {
    let deleted: bool = row.get(1)?;
    let price_centimes: i64 = row.get(5)?;
    let updated_at_ms: i64 = row.get(6)?;
    let title = LocalizedText {
        ar: row.get(2)?,
        fr: row.get(3)?,
        en: row.get(4)?,
    };
    // A bare tombstone (deleted before the server saw it) has no content.
    let bare = deleted && updated_at_ms == 0 && title == LocalizedText::default();
    let listing = (!bare).then_some(ListingPayload {
        title,
        price_centimes,
        updated_at_ms,
        ..ListingPayload::default()
    });
    let state: String = row.get(7)?;
    let moderation = moderation::from_sql(&state).unwrap_or(ModerationState::Pending);
    Ok((
        PulledListing {
            listing_id: uuid_column(row, 0)?,
            version: None,
            deleted,
            listing,
            moderation,
            rejection_reason: row.get(8)?,
        },
        row.get(9)?,
    ))
}
