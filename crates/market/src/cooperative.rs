//! Rows of the `cooperatives` table.

use protocol::CooperativeRef;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::error::{Error, Result};

pub(crate) fn by_slug(conn: &Connection, slug: &str) -> Result<Option<CooperativeRef>> {
    let coop = conn
        .query_row(
            "SELECT id, slug, name FROM cooperatives WHERE slug = ?1",
            [slug],
            from_row,
        )
        .optional()?;
    Ok(coop)
}

/// Inserts a new cooperative; the slug must be free.
pub(crate) fn insert(
    conn: &Connection,
    slug: &str,
    name: &str,
    now_ms: i64,
) -> Result<CooperativeRef> {
    let coop = CooperativeRef {
        id: Uuid::now_v7(),
        slug: slug.to_owned(),
        name: name.to_owned(),
    };
    conn.execute(
        "INSERT INTO cooperatives (id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![coop.id.to_string(), coop.slug, coop.name, now_ms],
    )?;
    Ok(coop)
}

/// Reads `id, slug, name` from columns 0..=2.
pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<CooperativeRef> {
    Ok(CooperativeRef {
        id: uuid_column(row, 0)?,
        slug: row.get(1)?,
        name: row.get(2)?,
    })
}

/// A UUID stored as hyphenated text.
pub(crate) fn uuid_column(row: &Row<'_>, idx: usize) -> rusqlite::Result<Uuid> {
    let text: String = row.get(idx)?;
    Uuid::parse_str(&text).map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(err))
    })
}

/// Slugs are URL- and shell-safe: 1 to 64 of `a-z`, `0-9`, `-`, starting
/// with a letter or digit.
pub(crate) fn check_slug(slug: &str) -> Result<()> {
    let ok = (1..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidSlug(slug.to_owned()))
    }
}
