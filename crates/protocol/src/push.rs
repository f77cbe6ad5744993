//! `POST /v1/push`: a device's listing changes and the marketplace's
//! answer to each.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Hlc, ListingField, ListingPayload};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "changes live briefly, a few hundred at a time; boxing would only add an allocation"
)]
pub enum ChangeOp {
    Upsert { listing: ListingPayload },
    Delete,
}

/// One change to one listing, minted on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Minted once per local change; the server applies each id at most once.
    pub change_id: Uuid,
    pub listing_id: Uuid,
    #[serde(flatten)]
    pub op: ChangeOp,
    /// When the edit was made (hybrid logical clock). Absent: the
    /// listing's `updated_at_ms` with counter 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hlc: Option<Hlc>,
    /// The server version of the listing this edit started from (the
    /// `version` of the last push result or pull that the device took in);
    /// absent for a listing the server has never acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<i64>,
    /// The fields this edit set; absent: all of them. Others keep the
    /// server's values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<ListingField>>,
    /// Units sold (negative) or added since `base_version`; summed into the
    /// server's stock rather than overwriting it, so two laptops selling on
    /// the same day both count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_delta: Option<i64>,
    /// The clock of the edit that set each field, when the edits folded
    /// into this change set fields at different times (a field absent here
    /// was set at `hlc`). Each field is merged by its own edit's clock, so
    /// a field set early and sent with a later edit of another field does
    /// not pass for a later write than it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_hlcs: Option<std::collections::BTreeMap<ListingField, Hlc>>,
    /// The folded edits that set the stock, by their own change ids: the
    /// new listing's whole stock (`delta` absent) and each sale or restock.
    /// The server counts each at most once, so an edit sent twice under
    /// different folds (a catalog restored on a second laptop sends the
    /// first laptop's unsent sales too) is counted once: only the deltas
    /// of parts it has not applied are summed, and a new listing's whole
    /// stock is taken only when the server does not have the listing yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stock_parts: Vec<StockPart>,
}

/// One edit of the stock folded into a [`Change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPart {
    pub change_id: Uuid,
    /// Units added or sold; absent: the edit set the stock whole (a new
    /// listing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<i64>,
}

impl Change {
    /// The clock the edit that set `field` was made at (`None`: a change
    /// from before clocks).
    pub fn field_hlc(&self, field: ListingField) -> Option<Hlc> {
        self.field_hlcs
            .as_ref()
            .and_then(|m| m.get(&field).copied())
            .or(self.hlc)
    }

    /// A change with no clock, base or field list: the whole listing, as
    /// the first version of `/v1` sent it.
    pub fn whole(change_id: Uuid, listing_id: Uuid, op: ChangeOp) -> Change {
        Change {
            change_id,
            listing_id,
            op,
            hlc: None,
            base_version: None,
            fields: None,
            stock_delta: None,
            field_hlcs: None,
            stock_parts: Vec::new(),
        }
    }
}

/// `POST /v1/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per change, in request order.
    pub results: Vec<ChangeResult>,
    /// The server's clock when it answered (ms since the Unix epoch). A
    /// device whose clock is more than `MAX_CLOCK_SKEW_MS` away warns its
    /// user; readings ahead by more than that were clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeResult {
    pub change_id: Uuid,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The listing's server version after this change (absent when
    /// rejected): send it back as the next change's `base_version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The listing's stock on the server once the whole push was applied
    /// (absent when rejected). The server's count is the one every laptop
    /// converges to: the device takes it, plus its changes still waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The change was applied now.
    Applied,
    /// The change had been applied before; nothing changed.
    Duplicate,
    /// The change was merged, but another device had set some of its
    /// fields later (by clock): the server kept those. `listing` is the
    /// result, which the device should take in.
    Conflict {
        fields: Vec<ListingField>,
        listing: Box<ListingPayload>,
    },
    /// The change can never be applied; the device should show the reason.
    Rejected { reason: RejectReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The listing belongs to another cooperative.
    Forbidden,
    /// The listing failed the server's validation.
    Invalid,
}
