//! Taking in what changed on the marketplace: `GET /v1/pull` pages, from
//! the stored cursor, applied to the store (which never queues them back).

use protocol::{ListingPayload, ModerationState, PullResponse, PulledListing};
use reqwest::StatusCode;
use store::{
    Category, ListingInput, Localized, Moderation, Price, PullApplied, Pulled, PulledContent,
    PulledPhoto, SettingKey, Status, Unit,
};
use url::Url;

use crate::Engine;
use crate::engine::Report;
use crate::error::{Error, Result};
use crate::meter::{PULL_RESERVE, PULLED_LISTING_BYTES};
use crate::push::{endpoint, unexpected};

/// Changes asked for per page: as many as the server gives (a round
/// trip costs more than a few hundred kilobytes on a slow link).
const PAGE: usize = protocol::MAX_PULL_LIMIT;

/// Pulls every page since the stored cursor.
pub(crate) async fn pull_all(
    engine: &Engine,
    base: &Url,
    token: &str,
    report: &mut Report,
) -> Result<()> {
    loop {
        let cursor = engine
            .with_store(|s| s.setting(SettingKey::PullCursor))
            .await?;
        let page = fetch(engine, base, token, cursor.as_deref()).await?;
        let changes: Vec<Pulled> = page.changes.iter().filter_map(to_store).collect();
        let now = engine.clock.now_ms();
        let (next, more) = (page.cursor, page.more);
        let applied: PullApplied = engine
            .with_store(move |s| s.apply_pulled(&changes, &next, now))
            .await?;
        report.pulled += page.changes.len();
        report.pulled_changed += applied.changed;
        tracing::debug!(
            pulled = page.changes.len(),
            changed = applied.changed,
            kept_local = applied.kept_local,
            "pulled a page"
        );
        if !more {
            return Ok(());
        }
    }
}

/// Listings asked for per page: all the server gives, or with a daily
/// budget, what fits in its reserve. Pure.
fn page_for(left: Option<u64>) -> usize {
    match left {
        None => PAGE,
        Some(_) => ((PULL_RESERVE / PULLED_LISTING_BYTES) as usize).clamp(1, PAGE),
    }
}

async fn fetch(
    engine: &Engine,
    base: &Url,
    token: &str,
    since: Option<&str>,
) -> Result<PullResponse> {
    let mut url = endpoint(base, "pull")?;
    url.query_pairs_mut()
        .append_pair("since", since.unwrap_or(""))
        .append_pair("limit", &page_for(engine.meter.left()).to_string());
    let response = engine
        .send(engine.client.get(url).bearer_auth(token), PULL_RESERVE)
        .await?;
    match response.status() {
        StatusCode::OK => Ok(engine.json(response).await?),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(Error::Unauthorized("device token refused".to_owned()))
        }
        // A cursor this server does not know (a database restored from
        // backup): start again from the beginning; applying is idempotent.
        StatusCode::BAD_REQUEST if since.is_some_and(|s| !s.is_empty()) => {
            tracing::warn!(?since, "pull cursor refused; pulling from the start");
            engine
                .with_store(|s| s.set_setting(SettingKey::PullCursor, None))
                .await?;
            Box::pin(fetch(engine, base, token, None)).await
        }
        status => Err(unexpected(status)),
    }
}

/// A pulled listing in the catalog's terms. Pure. `None` (logged) for one
/// this version cannot read.
pub fn to_store(pulled: &PulledListing) -> Option<Pulled> {
    let content = match &pulled.listing {
        Some(payload) => match content(payload) {
            Some(content) => Some(content),
            None => {
                tracing::warn!(listing = %pulled.listing_id, "pulled listing has a price this version refuses; skipped");
                return None;
            }
        },
        None => None,
    };
    Some(Pulled {
        id: pulled.listing_id.into(),
        version: pulled.version,
        deleted: pulled.deleted,
        content,
        moderation: match pulled.moderation {
            ModerationState::Pending => Moderation::Pending,
            ModerationState::Approved => Moderation::Approved,
            ModerationState::Rejected => Moderation::Rejected {
                reason: pulled.rejection_reason.clone(),
            },
        },
        photos: photos(pulled),
        photos_awaited: !pulled.photos_awaited.is_empty(),
        hlc: pulled.hlc,
    })
}

/// The pulled photo list, if every hash in it is a SHA-256 (a hash names a
/// file on disk: anything else is refused whole, and the listing keeps its
/// photos). Pure.
fn photos(pulled: &PulledListing) -> Option<Vec<PulledPhoto>> {
    let photos = pulled.photos.as_ref()?;
    if !photos
        .iter()
        .all(|p| is_sha256(&p.display) && is_sha256(&p.thumb))
    {
        tracing::warn!(listing = %pulled.listing_id, "pulled photo list names a file that is not a SHA-256; not taken");
        return None;
    }
    Some(
        photos
            .iter()
            .map(|p| PulledPhoto {
                display: p.display.clone(),
                thumb: p.thumb.clone(),
            })
            .collect(),
    )
}

/// 64 lowercase hex digits.
pub(crate) fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A listing from the wire in the catalog's terms (`None`: a price this
/// version refuses). Pure.
pub fn content(p: &ListingPayload) -> Option<PulledContent> {
    let text = |t: &protocol::LocalizedText| Localized {
        ar: t.ar.clone(),
        fr: t.fr.clone(),
        en: t.en.clone(),
    };
    let mut input =
        ListingInput::quick(text(&p.title), Price::from_centimes(p.price_centimes).ok()?);
    input.descriptions = text(&p.description);
    input.category = p
        .category
        .as_deref()
        .and_then(Category::parse)
        .unwrap_or(Category::Other);
    if let Some(stock) = p.stock {
        input.stock = u32::try_from(stock.max(0)).unwrap_or(u32::MAX);
    }
    input.unit = p
        .unit
        .as_deref()
        .and_then(Unit::parse)
        .unwrap_or(Unit::Piece);
    input.dimensions = p.dimensions.clone();
    input.weight_grams = p.weight_grams.and_then(|w| u32::try_from(w).ok());
    input.materials = p.materials.clone();
    input.origin = p.origin.clone();
    input.region = p.region.clone();
    input.tags = p.tags.clone();
    let status = p.status.as_deref().and_then(Status::parse);
    input.status = status.unwrap_or(Status::Ready);
    Some(PulledContent {
        input,
        updated_at_ms: p.updated_at_ms,
        stock_unknown: p.stock.is_none(),
        status_unknown: status.is_none(),
    })
}
