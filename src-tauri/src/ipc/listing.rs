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
    /// Milliseconds since the Unix epoch.
    pub updated_at_ms: f64,
    pub sync: SyncView,
    /// What the marketplace's moderators said, once a pull told us.
    pub moderation: Option<ModerationView>,
    pub photo_count: u32,
}

#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TitleLang {
    Ar,
    Fr,
    En,
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
            updated_at_ms: l.updated_at_ms as f64,
            photo_count: u32::try_from(l.photos.len()).unwrap_or(u32::MAX),
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
        }
    }
}
