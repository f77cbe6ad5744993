//! Product feeds for the platforms cooperatives sell on:
//! `GET /feeds/google.xml` (Google Merchant Center: RSS 2.0 with the `g:`
//! namespace, `google.rs`) and `GET /feeds/meta.csv` (Meta's commerce
//! catalog for Facebook, Instagram and WhatsApp, `meta.rs`).
//!
//! `?coop=SLUG` narrows a feed to one cooperative (an unknown slug is a
//! 404); without it, the whole marketplace. `?lang=ar|fr|en` picks the
//! language of titles and descriptions, which fall back to another
//! language the way the pages' do; without it, `Accept-Language`, then
//! French. Every public listing with a photo is in it, every time (the
//! platforms replace the whole catalog with each fetch).
//!
//! A feed is streamed: read in pages of [`PAGE`] listings in id order, each
//! on the blocking pool in its own read transaction, and written out as it
//! is read, so a marketplace of 100,000 listings never sits whole in
//! memory. Its `ETag` comes from the catalog's version, read before the
//! first page (a write during the stream only makes the next fetch whole
//! again).

mod google;
mod meta;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use protocol::{CooperativeRef, ListingPhoto, PublicListing};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::Tx;
use crate::error::{AppError, Result};
use crate::lang::Lang;
use crate::pages::{amount, base_url, href};
use crate::{Market, catalog, cooperative, etag};

/// Listings read per page of a feed: a few hundred kilobytes of text.
const PAGE: usize = 500;

/// Moved on whenever what a feed says of the same catalog changes, so
/// caches holding the old shape fetch it again after an upgrade.
const FORMAT: u32 = 1;

/// Crawlers fetch a feed daily at most; a quarter of an hour in caches
/// costs nothing.
const FEED_CACHE_CONTROL: &str = "public, max-age=900";

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/feeds/google.xml", get(google_feed))
        .route("/feeds/meta.csv", get(meta_feed))
}

#[derive(Debug, Default, Deserialize)]
struct FeedQuery {
    lang: Option<String>,
    coop: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Google,
    Meta,
}

/// What one fetch of a feed shows: its language, its address, and which
/// cooperative (`None`: all).
#[derive(Debug, Clone)]
struct Scope {
    kind: Kind,
    lang: Lang,
    base: String,
    cooperative: Option<CooperativeRef>,
}

async fn google_feed(
    State(market): State<Market>,
    query: Result<Query<FeedQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(Kind::Google, market, query, headers).await
}

async fn meta_feed(
    State(market): State<Market>,
    query: Result<Query<FeedQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    feed(Kind::Meta, market, query, headers).await
}

async fn feed(
    kind: Kind,
    market: Market,
    query: Result<Query<FeedQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::negotiate(query.lang.as_deref(), accept);
    let slug = query.coop.clone();
    let (cooperative, version) = market
        .read(move |tx| {
            let cooperative = match &slug {
                Some(slug) => match cooperative::by_slug(tx, slug)? {
                    Some(coop) => Some(coop),
                    None => return Ok(None),
                },
                None => None,
            };
            Ok(Some((cooperative, catalog::version(tx)?)))
        })
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no cooperative is called `{}` — give the slug of its page /c/SLUG",
                query.coop.as_deref().unwrap_or_default()
            ))
        })?;
    let scope = Scope {
        kind,
        lang,
        base: base_url(&market, &headers),
        cooperative,
    };
    let tag = tag(&scope, version);
    let content_type = match kind {
        Kind::Google => "application/rss+xml; charset=utf-8",
        Kind::Meta => "text/csv; charset=utf-8",
    };
    let mut response = if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag::matches(v, &tag))
    {
        let mut tagged = HeaderMap::new();
        tagged.insert(CACHE_CONTROL, HeaderValue::from_static(FEED_CACHE_CONTROL));
        tagged.insert(VARY, HeaderValue::from_static("Accept-Language"));
        etag::not_modified(&tagged)
    } else {
        (
            [
                (CONTENT_TYPE, content_type),
                (CACHE_CONTROL, FEED_CACHE_CONTROL),
                (VARY, "Accept-Language"),
            ],
            Body::from_stream(stream(market, scope)),
        )
            .into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, value);
    }
    Ok(response)
}

/// The feed's tag: what it is, for whom, at which catalog version.
fn tag(scope: &Scope, version: i64) -> String {
    let coop = scope.cooperative.as_ref().map(|c| c.slug.as_str());
    let key = format!(
        "{FORMAT}\n{:?}\n{}\n{}\n{}\n{version}",
        scope.kind,
        scope.lang.code(),
        scope.base,
        coop.unwrap_or("")
    );
    format!(
        "W/\"{}\"",
        hex::encode(&Sha256::digest(key.as_bytes())[..16])
    )
}

/// Where the stream stands.
enum Next {
    Head,
    /// The page after the listing with this id (`""`: the first page).
    After(String),
    Done,
}

/// The feed's bytes: its head, one piece per page, the last with the tail.
/// A page that cannot be read ends the stream with an error, which cuts
/// the connection: the platform sees a broken feed, never a short one.
fn stream(
    market: Market,
    scope: Scope,
) -> impl futures_util::Stream<Item = Result<Bytes>> + Send + 'static {
    futures_util::stream::try_unfold(Next::Head, move |next| {
        let market = market.clone();
        let scope = scope.clone();
        async move {
            match next {
                Next::Head => Ok(Some((
                    Bytes::from(head(&scope)),
                    Next::After(String::new()),
                ))),
                Next::After(after) => {
                    let read = market.read(move |tx| page(tx, &scope, &after)).await;
                    match read {
                        // The CSV's last page may be empty: nothing to send.
                        Ok((bytes, None)) if bytes.is_empty() => Ok(None),
                        Ok((bytes, last)) => {
                            Ok(Some((bytes, last.map_or(Next::Done, Next::After))))
                        }
                        Err(err) => {
                            tracing::error!(error = %err, "a feed page could not be read");
                            Err(err)
                        }
                    }
                }
                Next::Done => Ok(None),
            }
        }
    })
}

fn head(scope: &Scope) -> String {
    match scope.kind {
        Kind::Google => google::head(scope),
        Kind::Meta => meta::head(),
    }
}

/// One page of the feed after the id `after`, and the id to go on after
/// (`None` on the last page, which ends with the feed's tail).
fn page(tx: &mut Tx<'_>, scope: &Scope, after: &str) -> Result<(Bytes, Option<String>)> {
    let listings =
        catalog::with_photos_after(tx, scope.cooperative.as_ref().map(|c| c.id), after, PAGE)?;
    let mut photos = crate::pull::photos_of(tx, listings.iter().map(|l| l.id))?;
    let items: Vec<Item> = listings
        .iter()
        .filter_map(|listing| {
            Item::new(
                listing,
                &photos.remove(&listing.id).unwrap_or_default(),
                scope,
            )
        })
        .collect();
    let mut bytes = match scope.kind {
        Kind::Google => google::items(&items),
        Kind::Meta => meta::items(&items)?,
    };
    let next = (listings.len() == PAGE)
        .then(|| listings.last().map(|l| l.id.to_string()))
        .flatten();
    if next.is_none() && scope.kind == Kind::Google {
        bytes.extend_from_slice(google::TAIL.as_bytes());
    }
    Ok((Bytes::from(bytes), next))
}

/// A listing as the feeds say it, in the scope's language.
struct Item {
    id: Uuid,
    title: String,
    /// The description, or the title when the listing has none in any
    /// language (both platforms require one).
    description: String,
    /// The listing's page, absolute.
    link: String,
    /// The cover's display photo, absolute.
    image: String,
    /// The other photos' display sizes, absolute.
    additional_images: Vec<String>,
    /// Unknown stock (a device from before stock synced) is for sale, as
    /// on the listing's page.
    in_stock: bool,
    /// `3200.00 MAD`.
    price: String,
    /// The cooperative's name.
    brand: String,
    /// The category's key (`carpets`…), if the listing has one.
    category: Option<String>,
    lang: Lang,
}

impl Item {
    /// `None` for a listing without a photo: both Google and Meta refuse
    /// an item with no `image_link` (it would only show up as an error in
    /// the cooperative's Merchant Center / Commerce Manager), so it waits
    /// out of the feeds until it has one. The query already leaves those
    /// out; this keeps it true of any list given.
    fn new(listing: &PublicListing, photos: &[ListingPhoto], scope: &Scope) -> Option<Item> {
        let photo = |p: &ListingPhoto| format!("{}/photos/{}.jpg", scope.base, p.display);
        let (cover, others) = photos.split_first()?;
        let lang = scope.lang;
        let title = plain(listing.title.get(lang.code()).unwrap_or_default());
        let description = listing
            .description
            .get(lang.code())
            .map(plain)
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| title.clone());
        Some(Item {
            id: listing.id,
            link: format!(
                "{}{}",
                scope.base,
                href(&format!("/l/{}", listing.id), &[], lang)
            ),
            image: photo(cover),
            additional_images: others.iter().map(photo).collect(),
            in_stock: listing.availability.as_deref() != Some("out_of_stock"),
            price: format!("{} MAD", amount(listing.price_centimes)),
            brand: listing.cooperative.name.clone(),
            category: listing.category.clone(),
            title,
            description,
            lang,
        })
    }

    /// The category's name in the feed's language (the desktop app's words
    /// for it), as the platforms' free-form `product_type`.
    fn category_name(&self) -> Option<&'static str> {
        let key = self.category.as_deref()?;
        let names: [&str; 3] = match key {
            "carpets" => ["زرابي", "Tapis", "Carpets and rugs"],
            "pottery" => ["فخار", "Poterie", "Pottery"],
            "argan-cosmetics" => [
                "أركان ومستحضرات تجميل",
                "Argan et cosmétiques",
                "Argan and cosmetics",
            ],
            "food" => ["مواد غذائية", "Produits alimentaires", "Food"],
            "leather" => ["جلد", "Cuir", "Leather"],
            "textiles" => ["منسوجات", "Textiles", "Textiles"],
            "woodwork" => ["خشب", "Bois", "Woodwork"],
            "metal-lanterns" => ["معادن وفوانيس", "Métal et lanternes", "Metal and lanterns"],
            "jewellery" => ["حلي", "Bijoux", "Jewellery"],
            "basketry" => ["سلال", "Vannerie", "Basketry"],
            _ => return None,
        };
        Some(match self.lang {
            Lang::Ar => names[0],
            Lang::Fr => names[1],
            Lang::En => names[2],
        })
    }
}

/// `text` without the control characters a pasted text may hold (tabs and
/// line breaks stay, as `\n`): XML cannot carry them at all, and the
/// platforms show them as garbage.
fn plain(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| matches!(c, '\t' | '\n') || !c.is_control())
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// `text` cut to at most `max` characters (the platforms' limits count
/// characters, not bytes).
fn at_most(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests;
