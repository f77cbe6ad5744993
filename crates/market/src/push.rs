//! `POST /v1/push`: a device's listing changes, applied at most once each,
//! all in one transaction.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use protocol::{
    Change, ChangeOp, ChangeResult, Hlc, ListingField, MAX_PUSH_CHANGES, Outcome, PushRequest,
    PushResponse, RejectReason,
};

use crate::Market;
use crate::auth::Device;
use crate::db::{Tx, args};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::moderation::ModerationPolicy;
use crate::stored::{self, Stamp, Stored};

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
        .run(move |tx| apply_all(tx, device, request.changes, policy, now_ms))
        .await?;
    let applied = results
        .iter()
        .filter(|r| r.outcome == Outcome::Applied)
        .count();
    tracing::info!(device_id = %device.id, changes = count, applied, "push");
    Ok(AppJson(PushResponse { results }))
}

fn apply_all(
    tx: &mut Tx<'_>,
    device: Device,
    changes: Vec<Change>,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<Vec<ChangeResult>> {
    let mut results = Vec::with_capacity(changes.len());
    for change in changes {
        let change_id = change.change_id;
        let (outcome, version) = apply(tx, device, change, policy, now_ms)?;
        results.push(ChangeResult {
            change_id,
            outcome,
            version,
        });
    }
    Ok(results)
}

/// Applies one change: at most once by change id, only to the device's own
/// cooperative's listings, merged field by field (see `stored.rs`).
fn apply(
    tx: &mut Tx<'_>,
    device: Device,
    change: Change,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<(Outcome, Option<i64>)> {
    let change_id = change.change_id.to_string();
    let listing_id = change.listing_id.to_string();
    let current = Stored::load(tx, change.listing_id)?;
    if current
        .as_ref()
        .is_some_and(|c| c.cooperative_id != device.cooperative_id)
    {
        return Ok((
            Outcome::Rejected {
                reason: RejectReason::Forbidden,
            },
            None,
        ));
    }
    let seen = tx.query_opt(
        "SELECT 1 FROM applied_changes WHERE change_id = ?1",
        args![&change_id],
    )?;
    if seen.is_some() {
        return Ok((Outcome::Duplicate, current.map(|c| c.version)));
    }
    let (outcome, stored) = match change.op {
        ChangeOp::Upsert { mut listing } => {
            let fields = change.fields.unwrap_or_else(|| ListingField::ALL.to_vec());
            if !stored::validate(&mut listing, &fields) {
                return Ok((
                    Outcome::Rejected {
                        reason: RejectReason::Invalid,
                    },
                    None,
                ));
            }
            // A change from before clocks: its device time, counter 0.
            let hlc = change.hlc.unwrap_or(Hlc {
                ms: listing.updated_at_ms,
                counter: 0,
            });
            let stamp = Stamp::new(hlc, device.id);
            let merged = stored::merge_upsert(
                current.as_ref().map(|c| (&c.content, &c.clocks, c.deleted)),
                &listing,
                &fields,
                &stamp,
                change.stock_delta,
            );
            // A new listing must end up with a title, whatever fields it sent.
            if merged.content.title.is_empty() && !merged.stays_deleted {
                return Ok((
                    Outcome::Rejected {
                        reason: RejectReason::Invalid,
                    },
                    None,
                ));
            }
            let mut next = current.clone().unwrap_or_else(|| Stored {
                id: change.listing_id,
                cooperative_id: device.cooperative_id,
                content: merged.content.clone(),
                deleted: false,
                moderation: policy.state_after_push(),
                rejection_reason: None,
                version: 0,
                clocks: merged.clocks.clone(),
            });
            let content_changed = current
                .as_ref()
                .is_none_or(|c| c.content != merged.content || c.deleted);
            next.content = merged.content;
            next.clocks = merged.clocks;
            if !merged.stays_deleted {
                next.deleted = false;
            }
            if content_changed && !merged.stays_deleted {
                // The moderator has not seen this content.
                next.moderation = policy.state_after_push();
                next.rejection_reason = None;
            }
            let outcome = if merged.lost.is_empty() {
                Outcome::Applied
            } else {
                Outcome::Conflict {
                    fields: merged.lost,
                    listing: Box::new(next.content.clone()),
                }
            };
            (outcome, next)
        }
        ChangeOp::Delete => {
            let hlc = change.hlc.unwrap_or_default();
            let stamp = Stamp::new(hlc, device.id);
            let mut next = current.clone().unwrap_or_else(|| Stored {
                // A bare tombstone, so the id stays with this cooperative.
                id: change.listing_id,
                cooperative_id: device.cooperative_id,
                content: protocol::ListingPayload::default(),
                deleted: true,
                moderation: policy.state_after_push(),
                rejection_reason: None,
                version: 0,
                clocks: stored::Clocks::new(),
            });
            // A change from before clocks deletes whatever came before.
            let wins = change.hlc.is_none() || stored::delete_wins(&next.clocks, &stamp);
            if wins {
                next.deleted = true;
                stored::mark_deleted(&mut next.clocks, &stamp);
                (Outcome::Applied, next)
            } else {
                let listing = Box::new(next.content.clone());
                (
                    Outcome::Conflict {
                        fields: Vec::new(),
                        listing,
                    },
                    next,
                )
            }
        }
    };
    let version = if current.as_ref() == Some(&stored) {
        stored.version
    } else {
        // Something changed: a new place in the change feed.
        let mut stored = stored;
        stored.version = tx.next_change_seq()?;
        stored.save(tx)?;
        stored.version
    };
    tx.execute(
        "INSERT INTO applied_changes (change_id, listing_id, applied_at) VALUES (?1, ?2, ?3)",
        args![&change_id, &listing_id, now_ms],
    )?;
    Ok((outcome, Some(version)))
}
