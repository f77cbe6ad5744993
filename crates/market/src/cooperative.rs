//! Rows of the `cooperatives` table.

use protocol::CooperativeRef;
use uuid::Uuid;

use crate::db::{Row, Tx, args};
use crate::error::{Error, Result};

pub(crate) fn by_slug(tx: &mut Tx<'_>, slug: &str) -> Result<Option<CooperativeRef>> {
    tx.query_opt(
        "SELECT id, slug, name FROM cooperatives WHERE slug = ?1",
        args![slug],
    )?
    .map(|row| from_row(&row, 0))
    .transpose()
}

/// Inserts a new cooperative; the slug must be free.
pub(crate) fn insert(
    tx: &mut Tx<'_>,
    slug: &str,
    name: &str,
    now_ms: i64,
) -> Result<CooperativeRef> {
    let coop = CooperativeRef {
        id: Uuid::now_v7(),
        slug: slug.to_owned(),
        name: name.to_owned(),
    };
    tx.execute(
        "INSERT INTO cooperatives (id, slug, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![&coop.id.to_string(), &coop.slug, &coop.name, now_ms],
    )?;
    Ok(coop)
}

/// Reads `id, slug, name` from columns `first..first + 3`.
pub(crate) fn from_row(row: &Row, first: usize) -> Result<CooperativeRef> {
    Ok(CooperativeRef {
        id: row.get(first)?,
        slug: row.get(first + 1)?,
        name: row.get(first + 2)?,
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
