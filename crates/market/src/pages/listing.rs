//! `GET /l/{id}`: one listing, its price, its cooperative and its photos
//! as responsive images (thumb 320 px, display 1600 px, via `srcset`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::{Chrome, PageQuery, href, html, negotiate, not_found, share, title};
use crate::error::AppError;
use crate::lang::Lang;
use crate::price::format_mad;
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
            Ok(Some((listing, photos, stock)))
        })
        .await?;
    let Some((listing, photos, stock)) = found else {
        return not_found(lang);
    };
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
    html(
        StatusCode::OK,
        &ListingHtml {
            chrome: Chrome::new(lang, &format!("/l/{}", listing.id), &[]),
            title: title_text,
            price: format_mad(listing.price_centimes, lang),
            cooperative_href: href(&format!("/c/{}", listing.cooperative.slug), &[], lang),
            cooperative: listing.cooperative.name,
            origin: match (listing.origin, listing.region) {
                (Some(town), Some(region)) => {
                    let comma = if lang == Lang::Ar { "،" } else { "," };
                    Some(format!("{town}{comma} {region}"))
                }
                (town, region) => town.or(region),
            },
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
