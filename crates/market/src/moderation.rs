//! Moderation: whether a pushed listing is public at once (`auto`) or waits
//! for an operator (`manual`), and the operator's approve / reject.

use protocol::ModerationState;
use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::{Error, Result};

/// How the marketplace treats new and edited listings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModerationPolicy {
    /// Every pushed listing is approved at once.
    #[default]
    Auto,
    /// Pushed listings wait as `pending` until `hanout-market listing
    /// approve`; an edit sends an approved listing back to pending, since
    /// the moderator has not seen the new content.
    Manual,
}

impl ModerationPolicy {
    /// The state of a listing whose content a device just pushed.
    pub(crate) fn state_after_push(self) -> ModerationState {
        match self {
            ModerationPolicy::Auto => ModerationState::Approved,
            ModerationPolicy::Manual => ModerationState::Pending,
        }
    }
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

/// Sets a listing's moderation state (and reason, for a rejection) and
/// bumps it in the change feed so its devices learn of it on their next pull.
pub(crate) fn decide(
    tx: &mut Tx<'_>,
    listing_id: Uuid,
    state: ModerationState,
    reason: Option<&str>,
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
    Ok(())
}
