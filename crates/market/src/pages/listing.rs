//! `GET /l/{id}`: one listing, its price, its cooperative and its photos
//! as responsive images (thumb 320 px, display 1600 px, via `srcset`);
//! the labels operators verified (of the listing and of its cooperative),
//! sharing (Web Share button, WhatsApp link, QR code of its canonical URL)
//! and the "report this listing" form (`forms.rs`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::cooperative::{self, Verified, verified};
use super::trust_words::trust_words;
use super::{Chrome, PageQuery, href, html, negotiate, not_found, share, title};
use crate::error::AppError;
use crate::price::format_mad;
use crate::trust::{self, ReportReason, Subject};
use crate::{Market, catalog};

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingHtml {
    chrome: Chrome,
    title: String,
    price: String,
    cooperative: String,
    cooperative_href: String,
    artisan: Option<String>,
    /// Town and region, e.g. `Azrou, Fès-Meknès`.
    origin: Option<String>,
    materials: Option<String>,
    dimensions: Option<String>,
    description: Option<String>,
    photos: Vec<Photo>,
    share: share::Share,
    /// The listing's verified labels, then its cooperative's.
    verified: Vec<Verified>,
    /// `https://wa.me/?text=…`: sharing without script.
    whatsapp: String,
    /// Where the canonical URL's QR code is (`qr_code`): an image of its
    /// own, cached, so pages stay small and cheap to compress.
    qr: String,
    qr_label: &'static str,
    contact_href: String,
    report_action: String,
    /// Key and name of each reason to report.
    reasons: Vec<(&'static str, &'static str)>,
    max_details: usize,
}

/// One photo: the SHA-256 of each size.
struct Photo {
    display: String,
    thumb: String,
}

pub(super) async fn page(
    State(market): State<Market>,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (lang, _) = negotiate(query, &headers);
    let Ok(uuid) = Uuid::parse_str(&id) else {
        return not_found(lang);
    };
    let found = market
        .read(move |tx| {
            let Some(listing) = catalog::by_id(tx, uuid)? else {
                return Ok(None);
            };
            let photos = catalog::photos(tx, uuid)?;
            let stock = catalog::stock(tx, uuid)?;
            let mut labels = trust::labels(tx, Subject::Listing(uuid))?;
            let of_coop = trust::labels(tx, Subject::Cooperative(listing.cooperative.id))?;
            labels.retain(|l| !of_coop.iter().any(|c| c.label == l.label));
            Ok(Some((listing, photos, stock, labels, of_coop)))
        })
        .await?;
    let Some((listing, photos, stock, labels, of_coop)) = found else {
        return not_found(lang);
    };
    let mut verified = verified(labels, false, lang);
    verified.extend(cooperative::verified(of_coop, true, lang));
    let base = share::base_url(&market, &headers);
    let title_text = title(&listing, lang);
    let description = listing.description.get(lang.code()).map(str::to_owned);
    let share = share::Share::new(
        &base,
        &listing,
        lang,
        &title_text,
        description.as_deref(),
        &photos,
        // Unknown stock (a listing from before stock synced) is for sale.
        stock.is_none_or(|s| s > 0),
    );
    let price = format_mad(listing.price_centimes, lang);
    let whatsapp = format!(
        "https://wa.me/?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair(
                "text",
                &format!("{title_text} — {price} {}", share.canonical)
            )
            .finish()
    );
    let path = format!("/l/{}", listing.id);
    html(
        StatusCode::OK,
        &ListingHtml {
            chrome: Chrome::new(lang, &path, &[]),
            verified,
            whatsapp,
            qr: href(&format!("{path}/qr.svg"), &[], lang),
            qr_label: trust_words(lang).qr,
            contact_href: format!(
                "{}#contact",
                href(
                    &format!("/c/{}", listing.cooperative.slug),
                    &[("about", &listing.id.to_string())],
                    lang
                )
            ),
            report_action: href(&format!("{path}/report"), &[], lang),
            reasons: ReportReason::all()
                .into_iter()
                .map(|r| (r.key(), r.name(lang)))
                .collect(),
            max_details: trust::MAX_DETAILS_CHARS,
            title: title_text,
            price,
            cooperative_href: href(&format!("/c/{}", listing.cooperative.slug), &[], lang),
            cooperative: listing.cooperative.name,
            origin: cooperative::place(lang, listing.origin, listing.region),
            artisan: listing.artisan,
            materials: listing.materials,
            dimensions: listing.dimensions,
            description,
            photos: photos
                .into_iter()
                .map(|(display, thumb)| Photo { display, thumb })
                .collect(),
            share,
        },
    )
}

/// `GET /l/{id}/qr.svg?lang=`: the QR code of the listing page's canonical
/// URL in that language — the code the printed labels carry. The same for
/// as long as the listing exists: cached for a day.
pub(super) async fn qr_code(
    State(market): State<Market>,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
    use axum::response::IntoResponse as _;

    let (lang, _) = negotiate(query, &headers);
    let Ok(uuid) = Uuid::parse_str(&id) else {
        return not_found(lang);
    };
    let public = market
        .read(move |tx| Ok(catalog::by_id(tx, uuid)?.is_some()))
        .await?;
    let base = share::base_url(&market, &headers);
    let canonical = format!("{base}{}", href(&format!("/l/{uuid}"), &[], lang));
    let Some(svg) = qr::qr_svg(&canonical, trust_words(lang).qr).filter(|_| public) else {
        return not_found(lang);
    };
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}"),
    )
        .into_response())
}
