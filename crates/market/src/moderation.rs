//! Moderation: whether a pushed listing is public at once (`auto`) or waits
//! for an operator (`manual`), and the operator's approve / reject.

use protocol::{ListingField, ListingPayload, ModerationState};
use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::{Error, Result};
use crate::moderation_history::{self, Action, Event};

/// How the marketplace treats new and edited listings.
///
/// The rule of what an edit does, whatever the policy: a rejection holds
/// until an operator acts; only a change of what a buyer sees or searches
/// ([`reviewed`] fields, the photo list, or a deleted listing coming back)
/// can send a listing back to review, and only under `manual`. Stock,
/// status and the device's own `updated_at_ms` never touch moderation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModerationPolicy {
    /// Pushed listings are approved at once; edits keep an approved
    /// listing approved and a rejected one rejected.
    #[default]
    Auto,
    /// Pushed listings wait as `pending` until `hanout-market listing
    /// approve`; a reviewed edit sends an approved or rejected listing back
    /// to pending, since the moderator has not seen the new content.
    Manual,
}

impl ModerationPolicy {
    /// The state of a listing the server has just seen for the first time.
    pub(crate) fn state_of_new(self) -> ModerationState {
        match self {
            ModerationPolicy::Auto => ModerationState::Approved,
            ModerationPolicy::Manual => ModerationState::Pending,
        }
    }

    /// The state after a device changed what a buyer sees of a listing
    /// that was `current`.
    pub(crate) fn state_after_review_change(self, current: ModerationState) -> ModerationState {
        match (self, current) {
            // Only an operator lifts a rejection under `auto`.
            (ModerationPolicy::Auto, ModerationState::Rejected) => ModerationState::Rejected,
            (ModerationPolicy::Auto, _) => ModerationState::Approved,
            (ModerationPolicy::Manual, _) => ModerationState::Pending,
        }
    }
}

/// Whether a change of `field` re-opens review under `manual`: every field
/// a buyer sees or searches. Stock moves with every sale and status is the
/// cooperative's own switch (it only ever hides a listing); neither does.
pub(crate) fn reviewed(field: ListingField) -> bool {
    !matches!(field, ListingField::Stock | ListingField::Status)
}

/// The state as stored in `listings.moderation`.
pub(crate) fn to_sql(state: ModerationState) -> &'static str {
    match state {
        ModerationState::Pending => "pending",
        ModerationState::Approved => "approved",
        ModerationState::Rejected => "rejected",
    }
}

pub(crate) fn from_sql(text: &str) -> Option<ModerationState> {
    match text {
        "pending" => Some(ModerationState::Pending),
        "approved" => Some(ModerationState::Approved),
        "rejected" => Some(ModerationState::Rejected),
        _ => None,
    }
}

/// An operator's decision: sets a listing's moderation state (and reason,
/// for a rejection), records it in the history and bumps the listing in the
/// change feed so its devices learn of it on their next pull.
pub(crate) fn decide(
    tx: &mut Tx<'_>,
    listing_id: Uuid,
    state: ModerationState,
    reason: Option<&str>,
    actor: &str,
    now_ms: i64,
) -> Result<()> {
    let seq = tx.next_change_seq()?;
    let found = tx.execute(
        "UPDATE listings SET moderation = ?1, rejection_reason = ?2, changes_seq = ?3
         WHERE id = ?4 AND deleted = 0",
        args![to_sql(state), reason, seq, &listing_id.to_string()],
    )?;
    if found == 0 {
        return Err(Error::UnknownListing(listing_id.to_string()));
    }
    let action = match state {
        ModerationState::Rejected => Action::Rejected,
        _ => Action::Approved,
    };
    moderation_history::append(
        tx,
        &[Event {
            listing_id,
            at_ms: now_ms,
            actor: actor.to_owned(),
            action,
            state,
            reason: reason.map(str::to_owned),
        }],
    )
}

/// The reviewed fields whose value differs between `old` and `new`, for
/// the history's reason (`title, price`).
pub(crate) fn reviewed_changes(old: &ListingPayload, new: &ListingPayload) -> String {
    ListingField::ALL
        .iter()
        .filter(|&&field| reviewed(field) && !crate::merge::same_field(field, old, new))
        .map(|field| {
            serde_json::to_value(field)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}
