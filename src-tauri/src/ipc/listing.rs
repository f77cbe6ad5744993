use serde::{Deserialize, Serialize};
use specta::Type;

/// What the manager typed in the "new listing" form, unparsed: the store
/// owns the rules (Arabic digits, `4 500,50`, …).
#[derive(Debug, Clone, Deserialize, Type)]
pub struct NewListingInput {
    pub title: String,
    pub price: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ListingView {
    pub id: String,
    pub title: String,
    /// The language of `title`, so the UI can set `lang` on it.
    pub title_lang: TitleLang,
    /// Centimes of MAD; at most `store::Price::MAX`, so it fits an i32.
    pub price_centimes: i32,
    /// Units in stock here (0: sold out).
    pub stock: u32,
    /// Milliseconds since the Unix epoch.
    pub updated_at_ms: f64,
    /// Where the listing is in its life; says what buyers see of it.
    pub status: ListingStatus,
    pub sync: SyncView,
    /// What the marketplace's moderators said, once a pull told us.
    pub moderation: Option<ModerationView>,
    pub photo_count: u32,
    /// Where it stands with the marketplace, as `hanout listing show` says
    /// it (`None` only where a view is made without the catalog at hand).
    pub ledger: Option<LedgerView>,
}

/// One listing's way to the marketplace: what waits (text, photos, bytes),
/// in review, live, refused, or kept off on purpose; and its lost edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LedgerView {
    pub state: LedgerKey,
    /// The text has a change waiting to be sent.
    pub text_waiting: bool,
    pub photos_total: u32,
    /// Photos the marketplace shows already.
    pub photos_on_market: u32,
    /// Photo files still to send, in kilobytes (rounded up).
    pub kb_waiting: u32,
    /// Fields where this laptop's edit lost to another laptop's, not yet
    /// settled.
    pub conflicts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKey {
    Waiting,
    InReview,
    Live,
    Rejected,
    NotPublic,
}

impl From<&store::LedgerState> for LedgerKey {
    fn from(state: &store::LedgerState) -> LedgerKey {
        match state {
            store::LedgerState::Waiting => LedgerKey::Waiting,
            store::LedgerState::InReview => LedgerKey::InReview,
            store::LedgerState::Live => LedgerKey::Live,
            store::LedgerState::Rejected { .. } => LedgerKey::Rejected,
            store::LedgerState::NotPublic { .. } => LedgerKey::NotPublic,
        }
    }
}

impl LedgerView {
    /// The ledger of `listing` in `store`; photo files are looked up under
    /// the catalog's folder.
    pub fn of(store: &store::Store, listing: &store::Listing) -> store::Result<LedgerView> {
        let ledger = store.ledger(listing.id)?;
        let root = store.path().parent().unwrap_or(std::path::Path::new("."));
        let bytes = photos::files_bytes(root, ledger.files_waiting.iter().map(String::as_str));
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(LedgerView {
            state: LedgerKey::from(&ledger.state),
            text_waiting: ledger.text_waiting,
            photos_total: count(ledger.photos_total),
            photos_on_market: count(ledger.photos_on_market),
            kb_waiting: u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX),
            conflicts: count(store.conflicts(listing.id)?.len()),
        })
    }
}

impl ListingView {
    /// The view of `listing` with its ledger.
    pub fn in_store(store: &store::Store, listing: &store::Listing) -> store::Result<ListingView> {
        let mut view = ListingView::from(listing);
        view.ledger = Some(LedgerView::of(store, listing)?);
        Ok(view)
    }
}

/// The window's language, for what Rust shows itself (the tray menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum UiLang {
    Ar,
    Fr,
    En,
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TitleLang {
    Ar,
    Fr,
    En,
}

/// A listing's status: `draft` is not on the marketplace, `ready` and
/// `published` are public once approved, `archived` is taken off it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    Draft,
    Ready,
    Published,
    Archived,
}

impl From<store::Status> for ListingStatus {
    fn from(s: store::Status) -> Self {
        match s {
            store::Status::Draft => ListingStatus::Draft,
            store::Status::Ready => ListingStatus::Ready,
            store::Status::Published => ListingStatus::Published,
            store::Status::Archived => ListingStatus::Archived,
        }
    }
}

impl From<ListingStatus> for store::Status {
    fn from(s: ListingStatus) -> Self {
        match s {
            ListingStatus::Draft => store::Status::Draft,
            ListingStatus::Ready => store::Status::Ready,
            ListingStatus::Published => store::Status::Published,
            ListingStatus::Archived => store::Status::Archived,
        }
    }
}

/// Which part of the listings' way to the marketplace the list is
/// filtered to (see [`LedgerView`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncFilter {
    /// Text or photos still to send.
    Waiting,
    /// Sent; the moderators have not decided yet.
    InReview,
    /// On the marketplace, as it is here.
    Live,
    /// Refused by the marketplace's rules or by a moderator.
    Failed,
    /// An edit made here lost to another laptop's, not yet settled.
    Conflict,
    /// A draft or an archived listing, kept off on purpose.
    NotPublic,
}

impl SyncFilter {
    pub fn matches(self, ledger: &LedgerView) -> bool {
        match self {
            SyncFilter::Waiting => ledger.state == LedgerKey::Waiting,
            SyncFilter::InReview => ledger.state == LedgerKey::InReview,
            SyncFilter::Live => ledger.state == LedgerKey::Live,
            SyncFilter::Failed => ledger.state == LedgerKey::Rejected,
            SyncFilter::Conflict => ledger.conflicts > 0,
            SyncFilter::NotPublic => ledger.state == LedgerKey::NotPublic,
        }
    }
}

/// What the list asks for: words, filters and one page.
#[derive(Debug, Clone, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ListingQuery {
    /// Words as typed, any language; empty or absent: every listing.
    pub text: Option<String>,
    pub status: Option<ListingStatus>,
    pub sync: Option<SyncFilter>,
    /// Rows matching the query to skip (the rows already shown).
    pub offset: u32,
    /// At most this many rows (capped at [`ListingQuery::MAX_LIMIT`]).
    pub limit: u32,
}

impl ListingQuery {
    pub const MAX_LIMIT: u32 = 500;
}

/// One page of the list, newest change first.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ListingPage {
    pub listings: Vec<ListingView>,
    /// More rows match after this page.
    pub more: bool,
}

/// What removing a listing did (or will do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RemovalView {
    /// It never reached the marketplace: gone for good.
    Deleted,
    /// The marketplace has it: archived, taken off sale at the next sync
    /// and kept on this laptop.
    Archived,
}

impl From<store::Removal> for RemovalView {
    fn from(r: store::Removal) -> Self {
        match r {
            store::Removal::Deleted => RemovalView::Deleted,
            store::Removal::Archived => RemovalView::Archived,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncView {
    Waiting,
    Live,
    Failed { reason: String },
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ModerationView {
    Pending,
    Approved,
    /// `reason` is the moderator's own words, shown as they are.
    Rejected {
        reason: Option<String>,
    },
}

impl From<&store::Listing> for ListingView {
    fn from(l: &store::Listing) -> Self {
        let (title, title_lang) = match (&l.titles.ar, &l.titles.fr, &l.titles.en) {
            (Some(ar), _, _) => (ar.clone(), TitleLang::Ar),
            (None, Some(fr), _) => (fr.clone(), TitleLang::Fr),
            (None, None, en) => (en.clone().unwrap_or_default(), TitleLang::En),
        };
        ListingView {
            id: l.id.to_string(),
            title,
            title_lang,
            price_centimes: i32::try_from(l.price.centimes()).unwrap_or(i32::MAX),
            stock: l.stock,
            updated_at_ms: l.updated_at_ms as f64,
            photo_count: u32::try_from(l.photos.len()).unwrap_or(u32::MAX),
            status: l.status.into(),
            moderation: l.moderation.as_ref().map(|m| match m {
                store::Moderation::Pending => ModerationView::Pending,
                store::Moderation::Approved => ModerationView::Approved,
                store::Moderation::Rejected { reason } => ModerationView::Rejected {
                    reason: reason.clone(),
                },
            }),
            sync: match &l.sync {
                store::SyncState::Waiting => SyncView::Waiting,
                store::SyncState::Live => SyncView::Live,
                store::SyncState::Failed { reason } => SyncView::Failed {
                    reason: reason.clone(),
                },
            },
            ledger: None,
        }
    }
}
