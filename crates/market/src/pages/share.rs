//! What makes a listing shareable and findable: absolute links (canonical,
//! `hreflang` alternates), the Open Graph / Twitter-card tags WhatsApp,
//! Facebook and Telegram previews read, schema.org `Product` + `Offer`
//! JSON-LD, and `robots.txt` / `sitemap.xml`.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use protocol::PublicListing;
use serde_json::json;

use super::href;
use crate::error::AppError;
use crate::lang::Lang;
use crate::{Market, catalog};

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap))
}

/// Most URLs one sitemap file may list (the protocol's limit).
const SITEMAP_MAX: usize = 50_000;

/// The marketplace's address as buyers reach it: `--public-url`, else the
/// request's `Host` over plain `http://`.
pub(crate) fn base_url(market: &Market, headers: &HeaderMap) -> String {
    if let Some(url) = &market.config().public_url {
        return url.clone();
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The head tags of one listing page.
pub(crate) struct Share {
    pub canonical: String,
    pub alternates: Vec<(&'static str, String)>,
    pub locale: &'static str,
    pub other_locales: Vec<&'static str>,
    /// The cover's thumbnail: a JPEG of a few tens of kilobytes, well under
    /// WhatsApp's preview limit (about 300 KB).
    pub image: Option<String>,
    /// `3200.00`.
    pub amount: String,
    /// JSON-LD, safe inside `<script>` (no `<`).
    pub json_ld: String,
}

fn locale(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "ar_MA",
        Lang::Fr => "fr_MA",
        Lang::En => "en_GB",
    }
}

pub(crate) fn amount(centimes: i64) -> String {
    format!("{}.{:02}", centimes / 100, centimes % 100)
}

impl Share {
    pub(crate) fn new(
        base: &str,
        listing: &PublicListing,
        lang: Lang,
        title: &str,
        description: Option<&str>,
        photos: &[(String, String)],
        in_stock: bool,
    ) -> Share {
        let path = format!("/l/{}", listing.id);
        let at = |l: Lang| format!("{base}{}", href(&path, &[], l));
        let mut alternates: Vec<(&'static str, String)> =
            Lang::ALL.into_iter().map(|l| (l.code(), at(l))).collect();
        alternates.push(("x-default", at(Lang::Ar)));
        let canonical = at(lang);
        let photo = |sha: &str| format!("{base}/photos/{sha}.jpg");
        let json_ld = json!({
            "@context": "https://schema.org",
            "@type": "Product",
            "name": title,
            "description": description,
            "sku": listing.id.to_string(),
            "url": canonical,
            "image": photos.iter().flat_map(|(display, thumb)| [photo(display), photo(thumb)]).collect::<Vec<_>>(),
            "brand": { "@type": "Brand", "name": listing.cooperative.name },
            "countryOfOrigin": "MA",
            "offers": {
                "@type": "Offer",
                "url": canonical,
                "priceCurrency": "MAD",
                "price": amount(listing.price_centimes),
                "availability": if in_stock { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" },
                "seller": { "@type": "Organization", "name": listing.cooperative.name },
            },
        });
        Share {
            canonical,
            alternates,
            locale: locale(lang),
            other_locales: Lang::ALL
                .into_iter()
                .filter(|l| *l != lang)
                .map(locale)
                .collect(),
            image: photos.first().map(|(_, thumb)| photo(thumb)),
            amount: amount(listing.price_centimes),
            json_ld: json_ld
                .to_string()
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026"),
        }
    }
}

async fn robots(State(market): State<Market>, headers: HeaderMap) -> Response {
    let base = base_url(&market, &headers);
    (
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("User-agent: *\nAllow: /\nDisallow: /v1/\nDisallow: /admin\n\nSitemap: {base}/sitemap.xml\n"),
    )
        .into_response()
}

async fn sitemap(State(market): State<Market>, headers: HeaderMap) -> Result<Response, AppError> {
    let base = base_url(&market, &headers);
    let ids = market
        .read(|tx| catalog::public_ids(tx, SITEMAP_MAX))
        .await?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (id, received_at_ms) in ids {
        let path = format!("/l/{id}");
        let lastmod = time::OffsetDateTime::from_unix_timestamp(received_at_ms.div_euclid(1000))
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        for lang in Lang::ALL {
            xml.push_str(&format!(
                "<url><loc>{}</loc><lastmod>{lastmod}</lastmod>",
                escape(&format!("{base}{}", href(&path, &[], lang)))
            ));
            for alt in Lang::ALL {
                xml.push_str(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    alt.code(),
                    escape(&format!("{base}{}", href(&path, &[], alt)))
                ));
            }
            xml.push_str("</url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    Ok((
        [
            (CONTENT_TYPE, "application/xml; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        xml,
    )
        .into_response())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
