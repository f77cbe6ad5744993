//! `GET /c/{slug}`: a cooperative's page. Who sells (legal name,
//! registration number, city and region, since when on the marketplace),
//! the labels operators verified in a block of their own, its listings,
//! and a form to write to it through the marketplace (`forms.rs`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::trust_words::month_year;
use super::{Chrome, ListingCard, PageQuery, cards, href, html, negotiate, not_found, title};
use crate::error::AppError;
use crate::lang::Lang;
use crate::trust::{self, Subject, VerifiedLabel};
use crate::{Market, catalog, cooperative};

#[derive(Template)]
#[template(path = "cooperative.html")]
struct CooperativeHtml {
    chrome: Chrome,
    name: String,
    legal_name: Option<String>,
    registration: Option<String>,
    location: Option<String>,
    /// `mars 2026`.
    since: String,
    verified: Vec<Verified>,
    empty: &'static str,
    listings: Vec<ListingCard>,
    contact_action: String,
    /// The listing a message is about: id, link, title.
    about: Option<(Uuid, String, String)>,
    max_name: usize,
    max_reply_to: usize,
    max_body: usize,
}

/// One verified label as a page shows it.
pub(super) struct Verified {
    pub key: &'static str,
    pub name: &'static str,
    pub note: Option<String>,
    /// A label of the cooperative shown on one of its listings' pages.
    pub of_cooperative: bool,
}

pub(super) fn verified(
    labels: Vec<VerifiedLabel>,
    of_cooperative: bool,
    lang: Lang,
) -> Vec<Verified> {
    labels
        .into_iter()
        .map(|l| Verified {
            key: l.label.key(),
            name: l.label.name(lang),
            note: l.note,
            of_cooperative,
        })
        .collect()
}

/// `Azrou, Fès-Meknès` (Arabic comma in Arabic), or either alone.
pub(super) fn place(lang: Lang, town: Option<String>, region: Option<String>) -> Option<String> {
    match (town, region) {
        (Some(town), Some(region)) => {
            let comma = if lang == Lang::Ar { "،" } else { "," };
            Some(format!("{town}{comma} {region}"))
        }
        (town, region) => town.or(region),
    }
}

pub(super) async fn page(
    State(market): State<Market>,
    Path(slug): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (lang, query) = negotiate(query, &headers);
    let about = query
        .about
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok());
    let lookup = slug.clone();
    let found = market
        .read(move |tx| {
            let Some(coop) = cooperative::by_slug(tx, &lookup)? else {
                return Ok(None);
            };
            let listings = catalog::of_cooperative(tx, coop.id, catalog::PAGE_SIZE)?;
            let profile = trust::public_profiles(tx, &[coop.id])?.remove(&coop.id);
            let labels = trust::labels(tx, Subject::Cooperative(coop.id))?;
            // Only a public listing of this cooperative.
            let about = match about {
                Some(id) => catalog::by_id(tx, id)?.filter(|l| l.cooperative.id == coop.id),
                None => None,
            };
            Ok(Some((coop, listings, profile, labels, about)))
        })
        .await?;
    let Some((coop, listings, profile, labels, about)) = found else {
        return not_found(lang);
    };
    let profile = profile.unwrap_or(protocol::PublicCooperative {
        legal_name: None,
        registration: None,
        city: None,
        region: None,
        since_ms: 0,
        labels: Vec::new(),
    });
    let path = format!("/c/{}", coop.slug);
    html(
        StatusCode::OK,
        &CooperativeHtml {
            chrome: Chrome::new(lang, &path, &[]),
            name: coop.name,
            legal_name: profile.legal_name,
            registration: profile.registration,
            location: place(lang, profile.city, profile.region),
            since: month_year(profile.since_ms, lang),
            verified: verified(labels, false, lang),
            empty: super::words(lang).empty,
            listings: cards(&listings, lang),
            contact_action: href(&format!("{path}/contact"), &[], lang),
            about: about.map(|l| {
                let link = href(&format!("/l/{}", l.id), &[], lang);
                let title = title(&l, lang);
                (l.id, link, title)
            }),
            max_name: trust::MAX_SENDER_CHARS,
            max_reply_to: trust::MAX_REPLY_TO_CHARS,
            max_body: trust::MAX_BODY_CHARS,
        },
    )
}
