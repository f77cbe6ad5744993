use rusqlite::ToSql;

use crate::listings::{SELECT_LISTING, listing_from_row};
use crate::normalize::fts_query;
use crate::{ArtisanId, Category, Listing, Price, Result, Status, Store};

/// What the catalog screen asks for: words, filters, an order, a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Words as typed, in any of the three languages; prefix-matched.
    pub text: Option<String>,
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub artisan: Option<ArtisanId>,
    pub min_price: Option<Price>,
    pub max_price: Option<Price>,
    pub sort: Sort,
    pub limit: u32,
    pub offset: u32,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: None,
            status: None,
            category: None,
            artisan: None,
            min_price: None,
            max_price: None,
            sort: Sort::Updated,
            limit: 50,
            offset: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Newest change first; with search words, newest listing first.
    Updated,
    PriceAscending,
    PriceDescending,
    Title,
}

impl Store {
    /// Listings (not deleted) matching `query`, one page.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<Listing>> {
        // Two steps: pick the page's rowids with only cheap columns, then load
        // those few full rows (the sync-state subqueries are per row).
        let fts = query.text.as_deref().and_then(fts_query); // None: only punctuation typed
        // With words and the default order, walk the matches newest-created
        // first straight from the index and stop at the page: no need to
        // find and sort every match of a common word like "tapis".
        let walk_matches = fts.is_some() && query.sort == Sort::Updated;
        let mut sql = if walk_matches {
            "SELECT l.rowid FROM listings_fts f JOIN listings l ON l.rowid = f.rowid WHERE l.deleted_at_ms IS NULL"
        } else {
            "SELECT l.rowid FROM listings l WHERE l.deleted_at_ms IS NULL"
        }
        .to_owned();
        let mut params: Vec<Box<dyn ToSql>> = Vec::new();
        let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
            params.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", params.len())));
        };
        match fts {
            Some(fts) if walk_matches => bind(&mut sql, " AND listings_fts MATCH ?", Box::new(fts)),
            Some(fts) => bind(
                &mut sql,
                " AND l.rowid IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH ?)",
                Box::new(fts),
            ),
            None => {}
        }
        if let Some(status) = query.status {
            bind(&mut sql, " AND l.status = ?", Box::new(status.as_str()));
        }
        if let Some(category) = query.category {
            bind(&mut sql, " AND l.category = ?", Box::new(category.as_str()));
        }
        if let Some(artisan) = query.artisan {
            bind(
                &mut sql,
                " AND l.artisan_id = ?",
                Box::new(artisan.to_string()),
            );
        }
        if let Some(min) = query.min_price {
            bind(
                &mut sql,
                " AND l.price_centimes >= ?",
                Box::new(min.centimes()),
            );
        }
        if let Some(max) = query.max_price {
            bind(
                &mut sql,
                " AND l.price_centimes <= ?",
                Box::new(max.centimes()),
            );
        }
        sql.push_str(match query.sort {
            Sort::Updated if walk_matches => " ORDER BY f.rowid DESC",
            Sort::Updated => " ORDER BY l.updated_at_ms DESC, l.id DESC",
            Sort::PriceAscending => " ORDER BY l.price_centimes ASC, l.id",
            Sort::PriceDescending => " ORDER BY l.price_centimes DESC, l.id",
            Sort::Title => {
                " ORDER BY coalesce(l.title_fr, l.title_en, l.title_ar) COLLATE NOCASE, l.id"
            }
        });
        bind(&mut sql, " LIMIT ?", Box::new(query.limit));
        bind(&mut sql, " OFFSET ?", Box::new(query.offset));

        let rowids: Vec<i64> = {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(params.iter().map(|p| p.as_ref())),
                |r| r.get(0),
            )?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_LISTING} WHERE l.rowid = ?1"))?;
        rowids
            .iter()
            .map(|rowid| Ok(stmt.query_row([rowid], listing_from_row)?))
            .collect()
    }
}
