//! `POST /v1/push`: a device's listing changes, applied at most once each,
//! all in one transaction.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use protocol::{
    Change, ChangeOp, ChangeResult, Hlc, ListingField, MAX_PUSH_CHANGES, ModerationState, Outcome,
    PushRequest, PushResponse, RejectReason, StockPart,
};

use crate::Market;
use crate::auth::Device;
use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::db::{Arg, Tx};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::merge;
use crate::moderation::{self, ModerationPolicy};
use crate::moderation_history::{self, Action, Event};
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
    Ok(AppJson(PushResponse {
        results,
        server_time_ms: Some(now_ms),
    }))
}

/// Applies a batch in one transaction, in a few round trips whatever its
/// size: the listings and the already-applied change ids are read in one
/// query each, the changes are merged in memory in order (a batch may
/// touch a listing twice), and each listing that changed is written once.
pub(crate) fn apply_all(
    tx: &mut Tx<'_>,
    device: Device,
    changes: Vec<Change>,
    policy: ModerationPolicy,
    now_ms: i64,
) -> Result<Vec<ChangeResult>> {
    let listing_ids: Vec<String> = changes.iter().map(|c| c.listing_id.to_string()).collect();
    let mut listings: HashMap<Uuid, Stored> = HashMap::new();
    for chunk in listing_ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT {} FROM listings l WHERE l.id IN ({})",
            stored::COLUMNS,
            placeholders(1, chunk.len())
        );
        let args: Vec<Arg<'_>> = chunk.iter().map(Arg::from).collect();
        for row in tx.query(&sql, &args)? {
            let listing = Stored::from_row(&row)?;
            listings.insert(listing.id, listing);
        }
    }
    let change_ids: Vec<String> = changes.iter().map(|c| c.change_id.to_string()).collect();
    // The changes' ids and those of the stock edits folded into them.
    let mut lookup: Vec<String> = change_ids.clone();
    lookup.extend(
        changes
            .iter()
            .flat_map(|c| &c.stock_parts)
            .map(|p| p.change_id.to_string()),
    );
    lookup.sort();
    lookup.dedup();
    let mut seen: HashSet<String> = HashSet::new();
    for chunk in lookup.chunks(CHUNK) {
        let sql = format!(
            "SELECT change_id FROM applied_changes WHERE change_id IN ({})",
            placeholders(1, chunk.len())
        );
        let args: Vec<Arg<'_>> = chunk.iter().map(Arg::from).collect();
        for row in tx.query(&sql, &args)? {
            seen.insert(row.get(0)?);
        }
    }

    // Merge in order. A change that altered its listing takes the next
    // number of the change feed; numbers are handed out below, once.
    let mut results = Vec::with_capacity(changes.len());
    // Per result, where its version comes from.
    let mut versions: Vec<Version> = Vec::with_capacity(changes.len());
    // The listing each change altered, in order: the nth takes the nth new
    // number of the feed.
    let mut bumped: Vec<Uuid> = Vec::new();
    // The listing's latest bump in this batch, if any.
    let mut last_bump: HashMap<Uuid, usize> = HashMap::new();
    // `(change id, listing id)` of every change and stock part applied now.
    let mut applied: Vec<(String, String)> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for change in changes {
        let change_id = change.change_id;
        let listing_id = change.listing_id;
        let current = listings.get(&listing_id);
        let outcome = if current.is_some_and(|c| c.cooperative_id != device.cooperative_id) {
            Outcome::Rejected {
                reason: RejectReason::Forbidden,
            }
        } else if !seen.insert(change_id.to_string()) {
            Outcome::Duplicate
        } else {
            let parts = fresh_parts(&change, &seen);
            let change = count_once(change, current.is_some(), &parts);
            match merge(current, device, change, policy, now_ms) {
                Err(reason) => Outcome::Rejected { reason },
                Ok((outcome, next)) => {
                    applied.push((change_id.to_string(), listing_id.to_string()));
                    for part in parts {
                        if seen.insert(part.change_id.to_string()) {
                            applied.push((part.change_id.to_string(), listing_id.to_string()));
                        }
                    }
                    events.extend(history_event(current, &next, device, now_ms));
                    if current != Some(&next) {
                        last_bump.insert(listing_id, bumped.len());
                        bumped.push(listing_id);
                        listings.insert(listing_id, next);
                    }
                    outcome
                }
            }
        };
        versions.push(match (&outcome, last_bump.get(&listing_id)) {
            (Outcome::Rejected { .. }, _) => Version::None,
            (_, Some(&n)) => Version::Bump(n),
            (_, None) => listings
                .get(&listing_id)
                .map_or(Version::None, |l| Version::Known(l.version)),
        });
        results.push(ChangeResult {
            change_id,
            outcome,
            version: None,
            stock: None,
        });
    }

    // One round trip for all the numbers: the batch's bumps take the last
    // `count` numbers handed out.
    let count = i64::try_from(bumped.len()).unwrap_or(i64::MAX);
    let first = if count > 0 {
        tx.next_change_seqs(count)? - count + 1
    } else {
        0
    };
    for ((result, version), listing_id) in results.iter_mut().zip(&versions).zip(&listing_ids) {
        result.version = match *version {
            Version::None => None,
            Version::Known(v) => Some(v),
            Version::Bump(n) => Some(first + n as i64),
        };
        // The count after the whole batch: what the device should show.
        if result.version.is_some() {
            result.stock = Uuid::parse_str(listing_id)
                .ok()
                .and_then(|id| listings.get(&id))
                .and_then(|l| l.content.stock);
        }
    }
    for (listing_id, &n) in &last_bump {
        if let Some(listing) = listings.get_mut(listing_id) {
            listing.version = first + n as i64;
        }
    }
    let changed: Vec<&Stored> = last_bump
        .keys()
        .filter_map(|listing_id| listings.get(listing_id))
        .collect();
    Stored::save_all(tx, &changed)?;
    moderation_history::append(tx, &events)?;
    for chunk in applied.chunks(CHUNK / 3) {
        let sql = format!(
            "INSERT INTO applied_changes (change_id, listing_id, applied_at) VALUES {}",
            (0..chunk.len())
                .map(|i| format!("(?{}, ?{}, ?{})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let args: Vec<Arg<'_>> = chunk
            .iter()
            .flat_map(|(change, listing)| [Arg::from(change), Arg::from(listing), Arg::Int(now_ms)])
            .collect();
        tx.execute(&sql, &args)?;
    }
    Ok(results)
}

/// What the moderation history records of a device's change: a new
/// listing, or one whose moderation state the change moved.
fn history_event(
    before: Option<&Stored>,
    after: &Stored,
    device: Device,
    now_ms: i64,
) -> Option<Event> {
    let (action, reason) = match before {
        None if !after.deleted => (Action::Submitted, None),
        Some(before) if before.moderation != after.moderation => {
            let reason = if before.deleted {
                "restored after deletion".to_owned()
            } else {
                format!(
                    "changed: {}",
                    moderation::reviewed_changes(&before.content, &after.content)
                )
            };
            (Action::Edited, Some(reason))
        }
        _ => return None,
    };
    Some(Event {
        listing_id: after.id,
        at_ms: now_ms,
        actor: moderation_history::device_actor(device.id),
        action,
        state: after.moderation,
        reason,
    })
}

/// The change's stock parts not applied before (by another fold of the
/// same edits, from another laptop). Pure.
fn fresh_parts(change: &Change, seen: &HashSet<String>) -> Vec<StockPart> {
    change
        .stock_parts
        .iter()
        .filter(|p| p.change_id != change.change_id && !seen.contains(&p.change_id.to_string()))
        .copied()
        .collect()
}

/// The change with its stock counted once: a change that names its stock
/// edits (`stock_parts`) adds only the deltas of those not applied yet to
/// a listing the server has (its whole stock, a create's, was taken with
/// the listing), and gives a listing new to the server its whole stock.
/// Pure.
fn count_once(mut change: Change, exists: bool, fresh: &[StockPart]) -> Change {
    if change.stock_parts.is_empty() {
        return change;
    }
    let sets_stock = change
        .fields
        .as_ref()
        .is_none_or(|f| f.contains(&ListingField::Stock));
    if !sets_stock {
        return change;
    }
    if exists {
        let own = change
            .stock_parts
            .iter()
            .find(|p| p.change_id == change.change_id)
            .and_then(|p| p.delta);
        let sum = fresh
            .iter()
            .filter_map(|p| p.delta)
            .chain(own)
            .fold(0i64, i64::saturating_add);
        change.stock_delta = Some(sum);
    } else if change.fields.is_none() {
        change.stock_delta = None;
    }
    change
}

/// Where a change's reported version comes from.
#[derive(Debug, Clone, Copy)]
enum Version {
    None,
    Known(i64),
    /// The nth change-feed number this batch takes.
    Bump(usize),
}

/// Rows or ids per `IN (…)` list.
const CHUNK: usize = 300;

/// `?first, ?first+1, …` (`count` of them).
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A device's clock reading, no later than the server's own time plus
/// [`protocol::MAX_CLOCK_SKEW_MS`]: a laptop whose date is months ahead
/// neither wins every field until then nor hands its future to the
/// cooperative's other laptops through pull (the clamped stamp is the one
/// stored and pulled). Pure.
pub(crate) fn bounded(hlc: Hlc, now_ms: i64) -> Hlc {
    let latest = latest_ms(now_ms);
    if hlc.ms > latest {
        Hlc {
            ms: latest,
            counter: hlc.counter,
        }
    } else {
        hlc
    }
}

fn latest_ms(now_ms: i64) -> i64 {
    now_ms.saturating_add(protocol::MAX_CLOCK_SKEW_MS)
}

/// Merges one change of the device's own listing into its current state
/// (`None`: new to the server), field by field (see `stored.rs`), and
/// applies the moderation rule (see [`ModerationPolicy`]). Returns the
/// outcome and the listing's next state, equal to `current` when nothing
/// changed. Pure.
fn merge(
    current: Option<&Stored>,
    device: Device,
    change: Change,
    policy: ModerationPolicy,
    now_ms: i64,
) -> std::result::Result<(Outcome, Stored), RejectReason> {
    let current = current.cloned();
    let next = match change.op {
        ChangeOp::Upsert { mut listing } => {
            let fields = change.fields.unwrap_or_else(|| ListingField::ALL.to_vec());
            if !merge::validate(&mut listing, &fields) {
                return Err(RejectReason::Invalid);
            }
            listing.updated_at_ms = listing.updated_at_ms.min(latest_ms(now_ms));
            // A change from before clocks: its device time, counter 0.
            let hlc = bounded(
                change.hlc.unwrap_or(Hlc {
                    ms: listing.updated_at_ms,
                    counter: 0,
                }),
                now_ms,
            );
            let stamp = Stamp::new(hlc, device.id);
            let field_stamps = change
                .field_hlcs
                .iter()
                .flatten()
                .map(|(&field, &at)| (field, Stamp::new(bounded(at, now_ms), device.id)))
                .collect();
            let merged = merge::merge_upsert_stamped(
                current.as_ref().map(|c| (&c.content, &c.clocks, c.deleted)),
                &listing,
                &fields,
                &stamp,
                &field_stamps,
                change.stock_delta,
            );
            // A new listing must end up with a title, whatever fields it sent.
            if merged.content.title.is_empty() && !merged.stays_deleted {
                return Err(RejectReason::Invalid);
            }
            let mut next = current.clone().unwrap_or_else(|| Stored {
                id: change.listing_id,
                cooperative_id: device.cooperative_id,
                content: merged.content.clone(),
                deleted: false,
                moderation: policy.state_of_new(),
                rejection_reason: None,
                version: 0,
                clocks: merged.clocks.clone(),
                received_at_ms: now_ms,
            });
            if let Some(current) = current.as_ref().filter(|_| !merged.stays_deleted) {
                // What a buyer sees changed: a deleted listing comes back,
                // or a reviewed field has another value.
                let revived = current.deleted;
                let reviewed_change = revived
                    || ListingField::ALL.iter().any(|&field| {
                        moderation::reviewed(field)
                            && !merge::same_field(field, &current.content, &merged.content)
                    });
                let republished = !stored::is_public_status(current.content.status.as_deref())
                    && stored::is_public_status(merged.content.status.as_deref());
                if reviewed_change {
                    next.moderation = policy.state_after_review_change(current.moderation);
                    if next.moderation != ModerationState::Rejected {
                        next.rejection_reason = None;
                    }
                }
                if reviewed_change || republished {
                    next.received_at_ms = now_ms;
                }
            }
            next.content = merged.content;
            next.clocks = merged.clocks;
            if !merged.stays_deleted {
                next.deleted = false;
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
            let hlc = bounded(change.hlc.unwrap_or_default(), now_ms);
            let stamp = Stamp::new(hlc, device.id);
            let mut next = current.clone().unwrap_or_else(|| Stored {
                // A bare tombstone, so the id stays with this cooperative.
                id: change.listing_id,
                cooperative_id: device.cooperative_id,
                content: protocol::ListingPayload::default(),
                deleted: true,
                moderation: policy.state_of_new(),
                rejection_reason: None,
                version: 0,
                clocks: stored::Clocks::new(),
                received_at_ms: now_ms,
            });
            // A change from before clocks deletes whatever came before.
            let wins = change.hlc.is_none() || merge::delete_wins(&next.clocks, &stamp);
            if wins {
                next.deleted = true;
                merge::mark_deleted(&mut next.clocks, &stamp);
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
    Ok(next)
}
