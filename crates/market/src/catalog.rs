//! The public catalog as JSON: `GET /v1/catalog` and `GET /v1/listings/{id}`.
//! Only approved, undeleted listings whose status is public (not `draft`
//! nor `archived`: the `published` column, kept by every save) are shown.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use protocol::{CatalogPage, PublicListing};
use uuid::Uuid;

use crate::db::{Arg, Row, Tx, args};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::stored::{self, Stored};
use crate::{Market, cooperative, search, trust};

/// Most listings one catalog page holds.
pub(crate) const PAGE_SIZE: usize = 200;

/// `SELECT` of public listings: the stored columns, then the cooperative's
/// `id, slug, name`.
fn select_public() -> String {
    format!(
        "SELECT {}, c.id, c.slug, c.name
         FROM listings l JOIN cooperatives c ON c.id = l.cooperative_id
         WHERE l.deleted = 0 AND l.published = 1 AND l.moderation = 'approved'",
        stored::COLUMNS
    )
}

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/catalog", get(catalog))
        .route("/listings/{id}", get(listing))
}

async fn catalog(
    State(market): State<Market>,
    headers: HeaderMap,
) -> Result<AppJson<CatalogPage>, AppError> {
    let base = crate::pages::base_url(&market, &headers);
    let listings = market
        .read(move |tx| {
            let mut listings = newest(tx, PAGE_SIZE)?;
            with_photos(tx, &mut listings, &base)?;
            trust::with_trust(tx, &mut listings)?;
            Ok(listings)
        })
        .await?;
    Ok(AppJson(CatalogPage { listings }))
}

async fn listing(
    State(market): State<Market>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<AppJson<PublicListing>, AppError> {
    let not_found = || AppError::NotFound(format!("no published listing has the id `{id}`"));
    let uuid = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let base = crate::pages::base_url(&market, &headers);
    let found = market
        .read(move |tx| {
            let Some(listing) = by_id(tx, uuid)? else {
                return Ok(None);
            };
            let mut one = [listing];
            with_photos(tx, &mut one, &base)?;
            trust::with_trust(tx, &mut one)?;
            let [listing] = one;
            Ok(Some(listing))
        })
        .await?;
    found.map(AppJson).ok_or_else(not_found)
}

/// Published listings, newest first: by the server's time of receiving what
/// the public sees (`received_at_ms`), never by a device's clock, so a
/// laptop whose date runs ahead does not sit on top of the catalog.
pub(crate) fn newest(tx: &mut Tx<'_>, limit: usize) -> Result<Vec<PublicListing>> {
    let sql = format!(
        "{} ORDER BY l.received_at_ms DESC, l.id DESC LIMIT ?1",
        select_public()
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    public(tx.query(&sql, args![limit])?)
}

/// Published listings of one cooperative, newest first.
pub(crate) fn of_cooperative(
    tx: &mut Tx<'_>,
    cooperative_id: Uuid,
    limit: usize,
) -> Result<Vec<PublicListing>> {
    let sql = format!(
        "{} AND l.cooperative_id = ?1
         ORDER BY l.received_at_ms DESC, l.id DESC LIMIT ?2",
        select_public()
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    public(tx.query(&sql, args![&cooperative_id.to_string(), limit])?)
}

/// Published listings whose titles, artisan, origin, region or tags (any
/// language) hold every word of `words` (see `search::query_words`),
/// newest first.
pub(crate) fn search(
    tx: &mut Tx<'_>,
    words: &[String],
    limit: usize,
    window: i64,
) -> Result<Vec<PublicListing>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // Common words first: the newest listings, read in order, fill a page
    // long before the index's thousands of matches would be fetched and
    // sorted. If the newest `window` hold a page of matches, those are the
    // newest matches of all (everything else is older); with fewer public
    // listings than that, reading them all is the whole answer.
    let cutoff = tx
        .query_opt(
            "SELECT received_at_ms FROM listings l
             WHERE l.deleted = 0 AND l.published = 1 AND l.moderation = 'approved'
             ORDER BY l.received_at_ms DESC, l.id DESC LIMIT 1 OFFSET ?1",
            args![window.max(1) - 1],
        )?
        .map(|row| row.get::<i64>(0))
        .transpose()?;
    let (conditions, patterns) = search::conditions(words, 3, false);
    let sql = format!(
        "{} AND l.received_at_ms >= ?2 AND {conditions}
         ORDER BY l.received_at_ms DESC, l.id DESC LIMIT ?1",
        select_public()
    );
    let mut values: Vec<Arg<'_>> = vec![Arg::Int(limit), Arg::Int(cutoff.unwrap_or(i64::MIN))];
    values.extend(patterns.iter().map(Arg::from));
    let found = public(tx.query(&sql, &values)?)?;
    if cutoff.is_none() || i64::try_from(found.len()).unwrap_or(i64::MAX) >= limit {
        return Ok(found);
    }
    // Rare words: the trigram index finds the few listings that have them.
    let (conditions, patterns) = search::conditions(words, 2, tx.is_sqlite());
    let sql = format!(
        "{} AND {conditions} ORDER BY l.received_at_ms DESC, l.id DESC LIMIT ?1",
        select_public()
    );
    let mut values: Vec<Arg<'_>> = vec![Arg::Int(limit)];
    values.extend(patterns.iter().map(Arg::from));
    public(tx.query(&sql, &values)?)
}

/// Public listings with at least one photo, in id order, after the id
/// `after` (`""`: from the first), at most `limit`: one page of a feed
/// (`feeds`). Paging by id sees each listing once even while others are
/// written between pages.
pub(crate) fn with_photos_after(
    tx: &mut Tx<'_>,
    cooperative_id: Option<Uuid>,
    after: &str,
    limit: usize,
) -> Result<Vec<PublicListing>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let shown = format!(
        "{} AND EXISTS (SELECT 1 FROM listing_photos p WHERE p.listing_id = l.id)
         AND l.id > ?1",
        select_public()
    );
    match cooperative_id {
        None => {
            let sql = format!("{shown} ORDER BY l.id LIMIT ?2");
            public(tx.query(&sql, args![after, limit])?)
        }
        Some(id) => {
            let sql = format!("{shown} AND l.cooperative_id = ?3 ORDER BY l.id LIMIT ?2");
            public(tx.query(&sql, args![after, limit, &id.to_string()])?)
        }
    }
}

/// The catalog's version: the change feed's last number, moved on by
/// every write to any listing (content, stock, status, photos,
/// moderation). Equal versions: the public catalog is the same.
pub(crate) fn version(tx: &mut Tx<'_>) -> Result<i64> {
    tx.query_one("SELECT value FROM change_sequence WHERE only_row = 1", &[])?
        .get(0)
}

/// A listing's photos in order: `(display, thumb)` hashes.
pub(crate) fn photos(tx: &mut Tx<'_>, listing_id: Uuid) -> Result<Vec<(String, String)>> {
    tx.query(
        "SELECT display, thumb FROM listing_photos WHERE listing_id = ?1 ORDER BY position",
        args![&listing_id.to_string()],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .collect()
}

/// Every public listing's id and when the server received what the public
/// sees, newest first (the sitemap).
pub(crate) fn public_ids(tx: &mut Tx<'_>, limit: usize) -> Result<Vec<(String, i64)>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    tx.query(
        "SELECT l.id, l.received_at_ms FROM listings l
         WHERE l.deleted = 0 AND l.published = 1 AND l.moderation = 'approved'
         ORDER BY l.received_at_ms DESC, l.id DESC LIMIT ?1",
        args![limit],
    )?
    .iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .collect()
}

/// The stock of a listing (`None`: not said by its device).
pub(crate) fn stock(tx: &mut Tx<'_>, id: Uuid) -> Result<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT stock FROM listings WHERE id = ?1",
            args![&id.to_string()],
        )?
        .map(|row| row.get::<Option<i64>>(0))
        .transpose()?
        .flatten())
}

pub(crate) fn by_id(tx: &mut Tx<'_>, id: Uuid) -> Result<Option<PublicListing>> {
    let sql = format!("{} AND l.id = ?1", select_public());
    Ok(public(tx.query(&sql, args![&id.to_string()])?)?
        .into_iter()
        .next())
}

fn public(rows: Vec<Row>) -> Result<Vec<PublicListing>> {
    rows.iter().map(from_row).collect()
}

fn from_row(row: &Row) -> Result<PublicListing> {
    let stored = Stored::from_row(row)?;
    let cooperative = cooperative::from_row(row, stored::WIDTH)?;
    let c = stored.content;
    Ok(PublicListing {
        id: stored.id,
        cooperative,
        title: c.title,
        price_centimes: c.price_centimes,
        updated_at_ms: c.updated_at_ms,
        description: c.description,
        category: c.category,
        artisan: c.artisan,
        origin: c.origin,
        region: c.region,
        materials: c.materials,
        dimensions: c.dimensions,
        photos: Vec::new(),
        availability: c
            .stock
            .map(|s| if s > 0 { "in_stock" } else { "out_of_stock" }.to_owned()),
        cooperative_profile: None,
        labels: Vec::new(),
    })
}

/// Fills in the listings' photos as absolute URLs under `base` (one query
/// per page, the pull's).
pub(crate) fn with_photos(
    tx: &mut Tx<'_>,
    listings: &mut [PublicListing],
    base: &str,
) -> Result<()> {
    let mut photos = crate::pull::photos_of(tx, listings.iter().map(|l| l.id))?;
    let url = |sha: &str| format!("{base}/photos/{sha}.jpg");
    for listing in listings {
        listing.photos = photos
            .remove(&listing.id)
            .unwrap_or_default()
            .iter()
            .map(|p| protocol::PublicPhoto {
                display: url(&p.display),
                thumb: url(&p.thumb),
            })
            .collect();
    }
    Ok(())
}
