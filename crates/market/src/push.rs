//! `POST /v1/push`: a device's listing changes, applied at most once each,
//! all in one transaction.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use protocol::{
    Change, ChangeOp, ChangeResult, ListingPayload, MAX_PUSH_CHANGES, Outcome, PushRequest,
    PushResponse, RejectReason,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use crate::auth::Device;
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::moderation::{self, ModerationPolicy};
use crate::{Market, db, search};

/// Highest price accepted: 10 000 000 MAD.
const MAX_PRICE_CENTIMES: i64 = 1_000_000_000;
const MAX_TITLE_CHARS: usize = 200;

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/push", post(push))
}

async fn push(
    State(market): State<Market>,
    device: Device,
    AppJson(request): AppJson<PushRequest>,
) -> Result<AppJson<PushResponse>, AppError> {
    let count = request.changes.len();
    if count > MAX_PUSH_CHANGES {
        return Err(AppError::PayloadTooLarge(format!(
            "this push has {count} changes; the limit is {MAX_PUSH_CHANGES} — split it"
        )));
    }
    let now_ms = market.now_ms();
    let policy = market.config().moderation;
    let results = market
        .run(move |conn| apply_all(conn, device, request.changes, policy, now_ms))
        .await?;
    let applied = results
        .iter()
        .filter(|r| r.outcome == Outcome::Applied)
        .count();
    tracing::info!(device_id = %device.id, changes = count, applied, "push");
    Ok(AppJson(PushResponse { results }))
}

fn apply_all(
    conn: &mut Connection,
    device: Device,
    changes: Vec<Change>,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<Vec<ChangeResult>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(changes.len());
    for change in changes {
        let change_id = change.change_id;
        let outcome = apply(&tx, device.cooperative_id, change, policy, now_ms)?;
        results.push(ChangeResult {
            change_id,
            outcome,
            version: None,
        });
    }
    tx.commit()?;
    Ok(results)
}

fn apply(
    tx: &Transaction<'_>,
    cooperative_id: Uuid,
    change: Change,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<Outcome> {
    let change_id = change.change_id.to_string();
    let listing_id = change.listing_id.to_string();
    let seen = tx
        .query_row(
            "SELECT 1 FROM applied_changes WHERE change_id = ?1",
            [&change_id],
            |_| Ok(()),
        )
        .optional()?;
    if seen.is_some() {
        return Ok(Outcome::Duplicate);
    }
    let owner: Option<String> = tx
        .query_row(
            "SELECT cooperative_id FROM listings WHERE id = ?1",
            [&listing_id],
            |row| row.get(0),
        )
        .optional()?;
    let cooperative_id = cooperative_id.to_string();
    if owner.is_some_and(|owner| owner != cooperative_id) {
        return Ok(Outcome::Rejected {
            reason: RejectReason::Forbidden,
        });
    }
    match change.op {
        ChangeOp::Upsert { listing } => {
            let Some(listing) = ValidListing::new(listing) else {
                return Ok(Outcome::Rejected {
                    reason: RejectReason::Invalid,
                });
            };
            upsert(tx, &listing_id, &cooperative_id, &listing, policy)?;
        }
        ChangeOp::Delete => delete(tx, &listing_id, &cooperative_id)?,
    }
    tx.execute(
        "INSERT INTO applied_changes (change_id, listing_id, applied_at) VALUES (?1, ?2, ?3)",
        params![change_id, listing_id, now_ms],
    )?;
    Ok(Outcome::Applied)
}

/// Last writer wins: an older `updated_at_ms` than the stored one leaves the
/// row alone (the change still counts as applied). A newer one also brings a
/// deleted listing back. New content gets the moderation policy's state
/// and a new place in the change feed.
fn upsert(
    tx: &Transaction<'_>,
    id: &str,
    cooperative_id: &str,
    listing: &ValidListing,
    policy: ModerationPolicy,
) -> Result<()> {
    // A stale change that updates nothing still takes a number: gaps in the
    // feed are harmless.
    let seq = db::next_change_seq(tx)?;
    tx.execute(
        "INSERT INTO listings
             (id, cooperative_id, title_ar, title_fr, title_en, price_centimes, updated_at_ms,
              deleted, moderation, rejection_reason, changes_seq, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, NULL, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET
             title_ar = excluded.title_ar,
             title_fr = excluded.title_fr,
             title_en = excluded.title_en,
             price_centimes = excluded.price_centimes,
             updated_at_ms = excluded.updated_at_ms,
             deleted = 0,
             moderation = excluded.moderation,
             rejection_reason = NULL,
             changes_seq = excluded.changes_seq,
             search_text = excluded.search_text
         WHERE excluded.updated_at_ms >= listings.updated_at_ms
           AND excluded.cooperative_id = listings.cooperative_id",
        params![
            id,
            cooperative_id,
            listing.ar,
            listing.fr,
            listing.en,
            listing.price_centimes,
            listing.updated_at_ms,
            moderation::to_sql(policy.state_after_push()),
            seq,
            search::search_text([&listing.ar, &listing.fr, &listing.en].map(|t| t.as_deref())),
        ],
    )?;
    Ok(())
}

/// Marks the listing deleted. A listing the server never saw gets a bare
/// tombstone, so its id stays with this cooperative.
fn delete(tx: &Transaction<'_>, id: &str, cooperative_id: &str) -> Result<()> {
    let seq = db::next_change_seq(tx)?;
    tx.execute(
        "INSERT INTO listings (id, cooperative_id, price_centimes, updated_at_ms, deleted, changes_seq)
         VALUES (?1, ?2, 0, 0, 1, ?3)
         ON CONFLICT (id) DO UPDATE SET deleted = 1, changes_seq = excluded.changes_seq
         WHERE excluded.cooperative_id = listings.cooperative_id",
        params![id, cooperative_id, seq],
    )?;
    Ok(())
}

/// A listing that passed validation: a price within bounds, at least one
/// title, none too long. Blank titles count as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValidListing {
    pub ar: Option<String>,
    pub fr: Option<String>,
    pub en: Option<String>,
    pub price_centimes: i64,
    pub updated_at_ms: i64,
}

impl ValidListing {
    pub(crate) fn new(payload: ListingPayload) -> Option<ValidListing> {
        if !(0..=MAX_PRICE_CENTIMES).contains(&payload.price_centimes) {
            return None;
        }
        let title = payload.title;
        let [ar, fr, en] =
            [title.ar, title.fr, title.en].map(|t| t.filter(|t| !t.trim().is_empty()));
        let titles = [&ar, &fr, &en];
        let any = titles.iter().any(|t| t.is_some());
        let too_long = titles
            .iter()
            .flat_map(|t| t.as_deref())
            .any(|t| t.chars().count() > MAX_TITLE_CHARS);
        (any && !too_long).then_some(ValidListing {
            ar,
            fr,
            en,
            price_centimes: payload.price_centimes,
            updated_at_ms: payload.updated_at_ms,
        })
    }
}
