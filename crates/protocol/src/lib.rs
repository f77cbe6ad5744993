//! Wire types of the marketplace's `/v1` API, shared by the desktop app's
//! sync engine and the `hanout-market` server.
//!
//! Plain serde data, no behaviour: both sides must agree on these bytes, so
//! every change here is a protocol change. Add fields as `Option` with
//! `#[serde(default)]`; never rename or remove one within `/v1`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/v1";

/// Header carrying a device token: `Authorization: Bearer <token>`.
pub const AUTHORIZATION: &str = "authorization";

/// Most changes the server accepts in one push.
pub const MAX_PUSH_CHANGES: usize = 500;

/// `POST /v1/enroll`: exchange a one-time enrollment code for a device token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// 256-bit random secret, hex. The server keeps only its hash.
    pub token: String,
    pub device_id: Uuid,
    pub cooperative: CooperativeRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CooperativeRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// Title in the three languages of the catalog; at least one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl LocalizedText {
    /// The text to show for `lang`, falling back through ar → fr → en.
    pub fn get(&self, lang: &str) -> Option<&str> {
        let preferred = match lang {
            "ar" => &self.ar,
            "fr" => &self.fr,
            _ => &self.en,
        };
        preferred
            .as_deref()
            .or(self.ar.as_deref())
            .or(self.fr.as_deref())
            .or(self.en.as_deref())
    }
}

/// The full state of a listing as the device last saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPayload {
    pub title: LocalizedText,
    /// Price in centimes of MAD (1 MAD = 100 centimes).
    pub price_centimes: i64,
    /// Milliseconds since the Unix epoch, on the device's clock.
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeResult {
    pub change_id: Uuid,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The change was applied now.
    Applied,
    /// The change had been applied before; nothing changed.
    Duplicate,
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

/// A published listing as the public catalog serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicListing {
    pub id: Uuid,
    pub cooperative: CooperativeRef,
    pub title: LocalizedText,
    pub price_centimes: i64,
    pub updated_at_ms: i64,
}

/// `GET /v1/catalog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    pub listings: Vec<PublicListing>,
}

/// Most changes one `GET /v1/pull` answer holds, whatever `limit` asks.
pub const MAX_PULL_LIMIT: usize = 500;

/// Where a listing stands with the marketplace's moderators. Only approved
/// listings appear in the public catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationState {
    /// Waiting for a moderator (marketplaces with manual moderation).
    Pending,
    Approved,
    /// Refused; `rejection_reason` says why.
    Rejected,
}

/// `GET /v1/pull?since=CURSOR&limit=N`: the changes to the device's
/// cooperative's listings since `cursor`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<PulledListing>,
    /// Opaque; send it back as `since` to get what happened after.
    pub cursor: String,
    /// More changes are waiting: pull again at once with the new cursor.
    pub more: bool,
}

/// The server's current state of one listing that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledListing {
    pub listing_id: Uuid,
    pub deleted: bool,
    /// Absent for a listing the server only knows as deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<ListingPayload>,
    pub moderation: ModerationState,
    /// Set when `moderation` is `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
}

/// `POST /v1/photos/missing`: which of these photos (SHA-256, lowercase hex)
/// the server lacks and the device must upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotosMissingRequest {
    pub hashes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotosMissingResponse {
    /// The requested hashes the server has no photo for, in request order.
    pub missing: Vec<String>,
}

/// Most hashes one `POST /v1/photos/missing` may ask about.
pub const MAX_PHOTOS_MISSING: usize = 1000;

/// The body of every error response: `{"error": {"kind": …, "message": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest,
    PayloadTooLarge,
    TooManyRequests,
    Internal,
}

#[cfg(test)]
mod tests;
