//! Wire types of the marketplace's `/v1` API, shared by the desktop app's
//! sync engine and the `hanout-market` server.
//!
//! Plain serde data, no behaviour: both sides must agree on these bytes, so
//! every change here is a protocol change. Add fields as `Option` with
//! `#[serde(default)]`; never rename or remove one within `/v1`.

mod push;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/v1";

/// Header carrying a device token: `Authorization: Bearer <token>`.
pub const AUTHORIZATION: &str = "authorization";

/// Most changes the server accepts in one push.
pub const MAX_PUSH_CHANGES: usize = 500;

/// Largest photo file (display or thumbnail JPEG) either side accepts: the
/// server refuses bigger uploads, the app refuses bigger downloads.
pub const MAX_PHOTO_BYTES: u64 = 32 * 1024 * 1024;

/// How far ahead of the server's own clock a device's clock reading may be.
/// A reading further ahead is clamped to the server's time plus this skew
/// (so a laptop whose date is months ahead cannot win every field for
/// months), and the push answer's `server_time_ms` lets the device warn its
/// user that the computer's date is wrong.
pub const MAX_CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// `POST /v1/enroll`: exchange a one-time enrollment code for a device token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_name: String,
    /// A random id the device mints once per installation and sends with
    /// every enrollment. Makes enrollment retry-safe: when the answer to a
    /// code was lost, the same code with the same key is answered again
    /// (for the same device, with a fresh token) within a short window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<Uuid>,
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
    pub fn is_empty(&self) -> bool {
        self.ar.is_none() && self.fr.is_none() && self.en.is_none()
    }

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
///
/// Everything after `updated_at_ms` came later in `/v1`: absent means
/// empty (or, for `stock`, unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPayload {
    pub title: LocalizedText,
    /// Price in centimes of MAD (1 MAD = 100 centimes).
    pub price_centimes: i64,
    /// Milliseconds since the Unix epoch, on the device's clock.
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub description: LocalizedText,
    /// One of the catalog's fixed categories, e.g. `carpets`, `argan_oil`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Units in stock. In a change that carries `stock_delta`, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    /// `piece`, `kg`, `litre`, `m2`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Free text, e.g. `200 × 300 cm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_grams: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materials: Option<String>,
    /// Town or village the product comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The name of the artisan who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artisan: Option<String>,
    /// Where the cooperative stands with this listing: `draft` and
    /// `archived` are never public; `ready` and `published` are, once
    /// moderation approves. Absent (devices from before status synced):
    /// the server keeps what it has, `ready` for a new listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The listing statuses the wire knows, and which of them the public sees.
pub const LISTING_STATUSES: [&str; 4] = ["draft", "ready", "published", "archived"];

/// A listing with this status may be public (moderation permitting).
pub fn status_is_public(status: &str) -> bool {
    matches!(status, "ready" | "published")
}

/// One field of a listing, as far as merging goes: a change names the
/// fields it sets, and the server keeps a clock per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingField {
    Title,
    Price,
    Description,
    Category,
    Stock,
    Unit,
    Dimensions,
    WeightGrams,
    Materials,
    Origin,
    Region,
    Tags,
    Artisan,
    Status,
}

impl ListingField {
    pub const ALL: [ListingField; 14] = [
        ListingField::Title,
        ListingField::Price,
        ListingField::Description,
        ListingField::Category,
        ListingField::Stock,
        ListingField::Unit,
        ListingField::Dimensions,
        ListingField::WeightGrams,
        ListingField::Materials,
        ListingField::Origin,
        ListingField::Region,
        ListingField::Tags,
        ListingField::Artisan,
        ListingField::Status,
    ];
}

/// A hybrid logical clock reading: wall-clock milliseconds, plus a counter
/// that orders edits within the same millisecond (or made while the wall
/// clock stood behind an already-seen reading). Compared as (ms, counter);
/// the server breaks exact ties by device id.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Hlc {
    pub ms: i64,
    pub counter: u32,
}

impl Hlc {
    /// The next reading after `self` given the wall clock `now_ms`: later
    /// than `self` and than every reading `seen` by this node. A counter
    /// at its end (a reading from the wire can hold any `u32`) carries into
    /// the next millisecond; only the very last reading has no successor.
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.ms {
            Hlc {
                ms: now_ms,
                counter: 0,
            }
        } else if let Some(counter) = self.counter.checked_add(1) {
            Hlc {
                ms: self.ms,
                counter,
            }
        } else {
            match self.ms.checked_add(1) {
                Some(ms) => Hlc { ms, counter: 0 },
                None => self,
            }
        }
    }

    /// Merges a reading received from elsewhere: the result is later than both.
    pub fn observe(self, other: Hlc, now_ms: i64) -> Hlc {
        self.max(other).tick(now_ms)
    }
}

pub use push::{
    Change, ChangeOp, ChangeResult, Outcome, PushRequest, PushResponse, RejectReason, StockPart,
};

/// A published listing as the public catalog serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicListing {
    pub id: Uuid,
    pub cooperative: CooperativeRef,
    pub title: LocalizedText,
    pub price_centimes: i64,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub description: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artisan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<String>,
    /// The photos, cover first, as absolute URLs of each size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PublicPhoto>,
    /// `in_stock` or `out_of_stock` (absent: its device never said the stock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
    /// Who sells, as the marketplace's operators recorded it (absent from
    /// marketplaces older than it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooperative_profile: Option<PublicCooperative>,
    /// Keys of the labels the marketplace's operators verified for this
    /// listing (`made_in_morocco`, `protected_origin`, `artisan_label`,
    /// `centre_of_excellence`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// A cooperative's public profile: who sells, since when, and the labels
/// the marketplace's operators verified for it (keys, as on a listing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCooperative {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// Its registration number (e.g. with the ODCo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// When it joined the marketplace, ms since the epoch.
    pub since_ms: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// One photo of a public listing: absolute URLs of its thumbnail (320 px)
/// and display (up to 1600 px) JPEGs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPhoto {
    pub thumb: String,
    pub display: String,
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
    /// The listing's server version: the `base_version` of the device's
    /// next edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    pub deleted: bool,
    /// Absent for a listing the server only knows as deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<ListingPayload>,
    pub moderation: ModerationState,
    /// Set when `moderation` is `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// The listing's photos in order, cover first (absent on a bare
    /// tombstone). Their bytes are at `/photos/{sha256}.jpg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<ListingPhoto>>,
    /// Display hashes in `photos` whose files are not on the server yet:
    /// the list was set ahead of them (`when_uploaded`), the listing shows
    /// their thumbnails meanwhile. The laptop sending them keeps its list
    /// to send until they are there; the others fetch them later.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos_awaited: Vec<String>,
    /// The latest clock reading among the writes that made this state: a
    /// device moves its own clock past it, so its next edit is later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hlc: Option<Hlc>,
}

/// One photo of a listing: its display (up to 1600 px) and thumbnail
/// (320 px) JPEGs, by SHA-256 (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPhoto {
    pub display: String,
    pub thumb: String,
}

/// `PUT /v1/listings/{id}/photos`: the listing's photos in display order
/// (the first is the cover), replacing the ones it had; every blob must be
/// on the server already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPhotosRequest {
    pub photos: Vec<ListingPhoto>,
    /// The display hashes the device last saw on the server for this
    /// listing, in order (from its last accepted set or its last pull).
    /// When the server's list is no longer that, nothing changes and the
    /// answer is 412 with the server's list (a `ListingPhotosRequest`), so
    /// the device merges instead of dropping another laptop's photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Vec<String>>,
    /// Some photos are still on their way up: instead of 422, the server
    /// sets this list as soon as every thumbnail it names is there (the
    /// listing shows the thumbnails while display-size files are still
    /// coming), keeping it until then and checking `expected` then too;
    /// the answer is 202 either way. The device sends it as its uploads
    /// begin, so the listing is live as soon as its thumbnails are, not
    /// after every display-size photo. Any list set for the listing
    /// meanwhile drops a kept one. Sending the same list again (without
    /// this) once the uploads are done answers 204 whichever way it went:
    /// the list is synced only once all its files are there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub when_uploaded: bool,
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
