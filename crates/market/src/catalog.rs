//! The public catalog as JSON: `GET /v1/catalog` and `GET /v1/listings/{id}`.
//! Only published, approved, undeleted listings are ever shown.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use protocol::{CatalogPage, CooperativeRef, LocalizedText, PublicListing};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::cooperative::uuid_column;
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::{Market, search};

/// Most listings one catalog page holds.
pub(crate) const PAGE_SIZE: usize = 200;

const SELECT_PUBLIC: &str = "
    SELECT l.id, c.id, c.slug, c.name, l.title_ar, l.title_fr, l.title_en,
           l.price_centimes, l.updated_at_ms
    FROM listings l JOIN cooperatives c ON c.id = l.cooperative_id
    WHERE l.deleted = 0 AND l.published = 1 AND l.moderation = 'approved'";

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/catalog", get(catalog))
        .route("/listings/{id}", get(listing))
}

async fn catalog(State(market): State<Market>) -> Result<AppJson<CatalogPage>, AppError> {
    let listings = market.run(|conn| newest(conn, PAGE_SIZE)).await?;
    Ok(AppJson(CatalogPage { listings }))
}

async fn listing(
    State(market): State<Market>,
    Path(id): Path<String>,
) -> Result<AppJson<PublicListing>, AppError> {
    let not_found = || AppError::NotFound(format!("no published listing has the id `{id}`"));
    let uuid = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let found = market.run(move |conn| by_id(conn, uuid)).await?;
    found.map(AppJson).ok_or_else(not_found)
}

/// Published listings, newest first (by the device's `updated_at_ms`).
pub(crate) fn newest(conn: &Connection, limit: usize) -> Result<Vec<PublicListing>> {
    let sql = format!("{SELECT_PUBLIC} ORDER BY l.updated_at_ms DESC, l.id DESC LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Published listings of one cooperative, newest first.
pub(crate) fn of_cooperative(
    conn: &Connection,
    cooperative_id: Uuid,
    limit: usize,
) -> Result<Vec<PublicListing>> {
    let sql = format!(
        "{SELECT_PUBLIC} AND l.cooperative_id = ?1
         ORDER BY l.updated_at_ms DESC, l.id DESC LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![cooperative_id.to_string(), limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Published listings whose titles (any language) hold every word of
/// `words` (see `search::query_words`), newest first.
pub(crate) fn search(
    conn: &Connection,
    words: &[String],
    limit: usize,
) -> Result<Vec<PublicListing>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let (conditions, patterns) = search::conditions(words, 2);
    let sql = format!(
        "{SELECT_PUBLIC} AND {conditions} ORDER BY l.updated_at_ms DESC, l.id DESC LIMIT ?1"
    );
    let mut stmt = conn.prepare(&sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&limit];
    values.extend(patterns.iter().map(|p| p as &dyn rusqlite::ToSql));
    let rows = stmt.query_map(values.as_slice(), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A listing's photos in order: `(display, thumb)` hashes.
pub(crate) fn photos(conn: &Connection, listing_id: Uuid) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT display, thumb FROM listing_photos WHERE listing_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([listing_id.to_string()], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn by_id(conn: &Connection, id: Uuid) -> Result<Option<PublicListing>> {
    let sql = format!("{SELECT_PUBLIC} AND l.id = ?1");
    let listing = conn
        .query_row(&sql, [id.to_string()], from_row)
        .optional()?;
    Ok(listing)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<PublicListing> {
    Ok(PublicListing {
        id: uuid_column(row, 0)?,
        cooperative: CooperativeRef {
            id: uuid_column(row, 1)?,
            slug: row.get(2)?,
            name: row.get(3)?,
        },
        title: LocalizedText {
            ar: row.get(4)?,
            fr: row.get(5)?,
            en: row.get(6)?,
        },
        price_centimes: row.get(7)?,
        updated_at_ms: row.get(8)?,
        description: LocalizedText::default(),
        category: None,
        artisan: None,
        origin: None,
        region: None,
        materials: None,
        dimensions: None,
    })
}
