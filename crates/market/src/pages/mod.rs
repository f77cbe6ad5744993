//! The public catalog as HTML, in Arabic (right to left), French or
//! English: home `/`, `/search?q=`, a cooperative `/c/{slug}` and a listing
//! `/l/{id}`. Every link keeps the page's `?lang=`. Only approved,
//! published, undeleted listings appear; anything else is a 404 page.

mod cooperative;
mod forms;
mod listing;
mod share;
mod trust_words;

pub(crate) use share::{amount, base_url};
mod words;
pub(crate) use words::words;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY_HEADER, VARY,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use protocol::PublicListing;
use serde::Deserialize;

use crate::error::{AppError, Error};
use crate::lang::Lang;
use crate::price::format_mad;
use crate::{Market, catalog, search};
use words::Words;

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/", get(index))
        .route("/search", get(search_page))
        .route("/c/{slug}", get(cooperative::page))
        .route("/l/{id}", get(listing::page))
        .route("/l/{id}/qr.svg", get(listing::qr_code))
        .merge(forms::router())
        .merge(share::router())
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    lang: Option<String>,
    q: Option<String>,
    /// On a cooperative's page: the listing a message would be about.
    about: Option<String>,
}

/// What every page shows around its content: language, direction, the
/// search box and the language switch.
pub(crate) struct Chrome {
    lang: &'static str,
    dir: &'static str,
    words: &'static Words,
    trust: &'static trust_words::TrustWords,
    /// What the search box holds.
    query: String,
    switch: Vec<LangLink>,
}

struct LangLink {
    code: &'static str,
    name: &'static str,
    href: String,
    current: bool,
}

impl Chrome {
    /// The chrome of the page at `path` (whose query keeps `keep`).
    fn new(lang: Lang, path: &str, keep: &[(&str, &str)]) -> Chrome {
        Chrome {
            lang: lang.code(),
            dir: lang.dir(),
            words: words(lang),
            trust: trust_words::trust_words(lang),
            query: keep
                .iter()
                .find(|(k, _)| *k == "q")
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_default(),
            switch: Lang::ALL
                .into_iter()
                .map(|l| LangLink {
                    code: l.code(),
                    name: l.native_name(),
                    href: href(path, keep, l),
                    current: l == lang,
                })
                .collect(),
        }
    }
}

/// `path?k=v&…&lang=xx`, URL-encoded.
pub(crate) fn href(path: &str, keep: &[(&str, &str)], lang: Lang) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in keep {
        query.append_pair(k, v);
    }
    query.append_pair("lang", lang.code());
    format!("{path}?{}", query.finish())
}

/// A listing in a list.
struct ListingCard {
    href: String,
    title: String,
    price: String,
    cooperative: String,
    /// Artisan and town, as far as known: `Fatima Ait Lahcen · Azrou`.
    maker: Option<String>,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogHtml {
    chrome: Chrome,
    heading: String,
    intro: Option<String>,
    empty: &'static str,
    listings: Vec<ListingCard>,
}

/// The page allows no inline script and nothing from elsewhere: if
/// escaping ever failed, an injected `<script>` would still not run.
/// Scripts (only `/static/share.js`) and images come from this server.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'";

/// Listings change a few times a day: a minute in caches is harmless.
const HTML_CACHE_CONTROL: &str = "public, max-age=60";

/// The page language from `?lang=`, then `Accept-Language`. A malformed
/// query string only loses its parameters.
fn negotiate(
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: &HeaderMap,
) -> (Lang, PageQuery) {
    let query = query.map_or_else(|_| PageQuery::default(), |Query(q)| q);
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    (Lang::negotiate(query.lang.as_deref(), accept), query)
}

/// A rendered page with the catalog's headers.
fn html(status: StatusCode, page: &impl Template) -> Result<Response, AppError> {
    let cache = if status.is_success() {
        HTML_CACHE_CONTROL
    } else {
        "no-cache"
    };
    html_cached(status, page, cache)
}

/// [`html`] with its own `Cache-Control` (a form's answer: `no-store`).
fn html_cached(
    status: StatusCode,
    page: &impl Template,
    cache: &'static str,
) -> Result<Response, AppError> {
    let body = page.render().map_err(Error::from)?;
    Ok((
        status,
        [
            (CONTENT_SECURITY_POLICY_HEADER, CONTENT_SECURITY_POLICY),
            (CACHE_CONTROL, cache),
            (VARY, "Accept-Language"),
        ],
        Html(body),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundHtml {
    chrome: Chrome,
}

/// The 404 page, in the visitor's language.
fn not_found(lang: Lang) -> Result<Response, AppError> {
    html(
        StatusCode::NOT_FOUND,
        &NotFoundHtml {
            chrome: Chrome::new(lang, "/", &[]),
        },
    )
}

async fn index(
    State(market): State<Market>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (lang, _) = negotiate(query, &headers);
    let listings = market
        .read(|tx| catalog::newest(tx, catalog::PAGE_SIZE))
        .await?;
    let w = words(lang);
    html(
        StatusCode::OK,
        &CatalogHtml {
            chrome: Chrome::new(lang, "/", &[]),
            heading: w.title.to_owned(),
            intro: Some(w.intro.to_owned()),
            empty: w.empty,
            listings: cards(&listings, lang),
        },
    )
}

/// Results a search page shows, newest first: a buyer refines a search
/// rather than reading hundreds of answers, and a page this long is found
/// among the newest listings without the index for any common word
/// (`catalog::search`).
const SEARCH_PAGE_SIZE: usize = 24;

async fn search_page(
    State(market): State<Market>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (lang, query) = negotiate(query, &headers);
    let q = query.q.unwrap_or_default();
    let words_of_q = search::query_words(&q);
    let window = market.config().search_window;
    let listings = market
        .read(move |tx| catalog::search(tx, &words_of_q, SEARCH_PAGE_SIZE, window))
        .await?;
    let w = words(lang);
    html(
        StatusCode::OK,
        &CatalogHtml {
            heading: format!("{} « {} »", w.results_for, q.trim()),
            chrome: Chrome::new(lang, "/search", &[("q", &q)]),
            intro: None,
            empty: w.no_results,
            listings: cards(&listings, lang),
        },
    )
}

fn cards(listings: &[PublicListing], lang: Lang) -> Vec<ListingCard> {
    listings
        .iter()
        .map(|listing| ListingCard {
            href: href(&format!("/l/{}", listing.id), &[], lang),
            title: title(listing, lang),
            price: format_mad(listing.price_centimes, lang),
            cooperative: listing.cooperative.name.clone(),
            maker: {
                let parts: Vec<&str> = [&listing.artisan, &listing.origin]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" · "))
            },
        })
        .collect()
}

/// The title in `lang`, or in another language if it has none in `lang`.
fn title(listing: &PublicListing, lang: Lang) -> String {
    listing
        .title
        .get(lang.code())
        .unwrap_or_default()
        .to_owned()
}
