//! One page of the window's list: the store's search (words, status, a
//! page) plus the filter by each listing's way to the marketplace.
//!
//! The store's `SearchQuery` cannot filter by that (it is derived per row
//! from the outbox, the photos sent and the conflicts: `Store::ledger`), so
//! with that filter the store is read in batches and the rows kept here.

use crate::ipc::{ListingPage, ListingQuery, ListingView};

/// How many rows one store read brings in while filtering by sync state.
const BATCH: u32 = 200;

/// The page `query` asks for, newest change first.
pub fn listing_page(store: &store::Store, query: &ListingQuery) -> store::Result<ListingPage> {
    let limit = query.limit.clamp(1, ListingQuery::MAX_LIMIT);
    let base = store::SearchQuery {
        text: query.text.clone().filter(|t| !t.trim().is_empty()),
        status: query.status.map(store::Status::from),
        ..Default::default()
    };
    let Some(sync) = query.sync else {
        // One row more than asked says whether there is more.
        let mut rows = store.search(&store::SearchQuery {
            limit: limit + 1,
            offset: query.offset,
            ..base
        })?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        return Ok(ListingPage {
            listings: rows
                .iter()
                .map(|l| ListingView::in_store(store, l))
                .collect::<store::Result<_>>()?,
            more,
        });
    };
    let mut skip = query.offset as usize;
    let mut kept = Vec::new();
    let mut offset = 0;
    loop {
        let rows = store.search(&store::SearchQuery {
            limit: BATCH,
            offset,
            ..base.clone()
        })?;
        let done = rows.len() < BATCH as usize;
        for row in &rows {
            let view = ListingView::in_store(store, row)?;
            if !view.ledger.as_ref().is_some_and(|l| sync.matches(l)) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
            } else if kept.len() < limit as usize {
                kept.push(view);
            } else {
                return Ok(ListingPage {
                    listings: kept,
                    more: true,
                });
            }
        }
        if done {
            return Ok(ListingPage {
                listings: kept,
                more: false,
            });
        }
        offset += BATCH;
    }
}

/// The listings with these ids as they are now, in the order asked; a
/// deleted or unknown one is left out (the window drops its row).
pub fn listings_by_id(
    store: &store::Store,
    ids: &[store::ListingId],
) -> store::Result<Vec<ListingView>> {
    let mut views = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(listing) = store.listing(id)?.filter(|l| !l.deleted) {
            views.push(ListingView::in_store(store, &listing)?);
        }
    }
    Ok(views)
}

#[cfg(test)]
mod tests;
