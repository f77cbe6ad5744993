//! `GET /l/{id}`: one listing, its price, its cooperative and its photos
//! as responsive images (thumb 320 px, display 1600 px, via `srcset`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::{Chrome, PageQuery, href, html, negotiate, not_found, title};
use crate::error::AppError;
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
    photos: Vec<Photo>,
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
            Ok(Some((listing, photos)))
        })
        .await?;
    let Some((listing, photos)) = found else {
        return not_found(lang);
    };
    html(
        StatusCode::OK,
        &ListingHtml {
            chrome: Chrome::new(lang, &format!("/l/{}", listing.id), &[]),
            title: title(&listing, lang),
            price: format_mad(listing.price_centimes, lang),
            cooperative_href: href(&format!("/c/{}", listing.cooperative.slug), &[], lang),
            cooperative: listing.cooperative.name,
            photos: photos
                .into_iter()
                .map(|(display, thumb)| Photo { display, thumb })
                .collect(),
        },
    )
}
