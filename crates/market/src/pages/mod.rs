//! The public catalog as HTML: `GET /?lang=ar|fr|en`.

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{
    ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY_HEADER,
};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use protocol::PublicListing;
use serde::Deserialize;

use crate::error::{AppError, Error};
use crate::lang::Lang;
use crate::price::format_mad;
use crate::{Market, catalog};

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/", get(index))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

/// The page's words in one language.
struct Words {
    title: &'static str,
    intro: &'static str,
    empty: &'static str,
    languages: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Ar => &Words {
            title: "هانوت — منتجات التعاونيات",
            intro: "منتجات صنعتها تعاونيات الحرفيين في المغرب.",
            empty: "لا توجد منتجات بعد.",
            languages: "اللغة",
        },
        Lang::Fr => &Words {
            title: "Hanout — produits des coopératives",
            intro: "Des produits faits main par des coopératives d’artisans du Maroc.",
            empty: "Aucun produit pour l’instant.",
            languages: "Langue",
        },
        Lang::En => &Words {
            title: "Hanout — cooperative products",
            intro: "Handmade products from artisan cooperatives in Morocco.",
            empty: "No products yet.",
            languages: "Language",
        },
    }
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogHtml {
    lang: &'static str,
    dir: &'static str,
    words: &'static Words,
    switch: Vec<LangLink>,
    listings: Vec<ListingCard>,
}

struct LangLink {
    code: &'static str,
    name: &'static str,
    current: bool,
}

struct ListingCard {
    title: String,
    price: String,
    cooperative: String,
}

/// The page allows no script and nothing from elsewhere: if escaping ever
/// failed, an injected `<script>` would still not run.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

async fn index(
    State(market): State<Market>,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    // A malformed query string only loses its `lang`.
    let query = query.map_or(PageQuery { lang: None }, |Query(q)| q);
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::negotiate(query.lang.as_deref(), accept);
    let listings = market
        .run(|conn| catalog::newest(conn, catalog::PAGE_SIZE))
        .await?;
    let page = CatalogHtml {
        lang: lang.code(),
        dir: lang.dir(),
        words: words(lang),
        switch: Lang::ALL
            .into_iter()
            .map(|l| LangLink {
                code: l.code(),
                name: l.native_name(),
                current: l == lang,
            })
            .collect(),
        listings: listings.iter().map(|l| card(l, lang)).collect(),
    };
    let html = page.render().map_err(Error::from)?;
    Ok((
        [(CONTENT_SECURITY_POLICY_HEADER, CONTENT_SECURITY_POLICY)],
        Html(html),
    ))
}

fn card(listing: &PublicListing, lang: Lang) -> ListingCard {
    ListingCard {
        title: listing
            .title
            .get(lang.code())
            .unwrap_or_default()
            .to_owned(),
        price: format_mad(listing.price_centimes, lang),
        cooperative: listing.cooperative.name.clone(),
    }
}
