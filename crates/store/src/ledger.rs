//! Each listing's way to the marketplace, as the manager sees it: waiting
//! (for what), live, in review, refused (why), or kept off on purpose.
//! Derived from what the catalog already records; nothing stored twice.

use std::collections::HashMap;

use rusqlite::OptionalExtension;

use crate::error::{Error, Result};
use crate::{Listing, ListingId, Moderation, Status, Store, SyncState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerState {
    /// Text or photos still to send.
    Waiting,
    /// Sent; the marketplace's moderators have not decided yet.
    InReview,
    /// On the marketplace, as it is here.
    Live,
    /// Refused: by the marketplace's rules (`invalid`, `forbidden`,
    /// `too_large`) or by a moderator (their words, if any).
    Rejected { reason: Option<String> },
    /// A draft or an archived listing: kept off the marketplace on purpose.
    NotPublic { status: Status },
}

impl LedgerState {
    /// A stable key: `waiting`, `in_review`, `live`, `rejected`, `not_public`.
    pub fn key(&self) -> &'static str {
        match self {
            LedgerState::Waiting => "waiting",
            LedgerState::InReview => "in_review",
            LedgerState::Live => "live",
            LedgerState::Rejected { .. } => "rejected",
            LedgerState::NotPublic { .. } => "not_public",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub state: LedgerState,
    /// The listing's text has a change waiting.
    pub text_waiting: bool,
    pub photos_total: usize,
    /// Photos of the listing the marketplace shows already.
    pub photos_on_market: usize,
    /// Files (display and thumbnail hashes) of the photos still to send.
    pub files_waiting: Vec<String>,
}

impl Store {
    /// Where `id` stands with the marketplace.
    pub fn ledger(&self, id: ListingId) -> Result<Ledger> {
        let listing = self
            .listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let synced: String = self.conn.query_row(
            "SELECT photos_synced FROM listings WHERE id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )?;
        let synced: Vec<&str> = synced.split(',').filter(|s| !s.is_empty()).collect();
        let mut files_waiting = Vec::new();
        let mut on_market = 0;
        for display in &listing.photos {
            if synced.contains(&display.as_str()) {
                on_market += 1;
                continue;
            }
            files_waiting.push(display.clone());
            let thumb: Option<String> = self
                .conn
                .query_row(
                    "SELECT thumb_sha256 FROM photo_derivatives WHERE display_sha256 = ?1",
                    [display],
                    |row| row.get(0),
                )
                .optional()?;
            files_waiting.extend(thumb);
        }
        Ok(Ledger {
            state: state(&listing, !files_waiting.is_empty()),
            text_waiting: listing.sync == SyncState::Waiting,
            photos_total: listing.photos.len(),
            photos_on_market: on_market,
            files_waiting,
        })
    }
}

impl Store {
    /// Every listing (not deleted) with its ledger state, as [`Store::ledger`]
    /// says it, in two queries whatever the catalog's size: what a sync
    /// pass's notification compares (10,000 listings one `ledger` at a time
    /// held the catalog about 0.7 s after every pass).
    pub fn ledger_states(&self) -> Result<Vec<(Listing, LedgerState)>> {
        let mut synced: HashMap<String, String> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, photos_synced FROM listings WHERE deleted_at_ms IS NULL",
            )?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            for row in rows {
                let (id, photos): (String, String) = row?;
                synced.insert(id, photos);
            }
        }
        Ok(self
            .listings()?
            .into_iter()
            .map(|listing| {
                let on_market = synced.get(&listing.id.to_string());
                let photos_waiting = listing
                    .photos
                    .iter()
                    .any(|display| !on_market.is_some_and(|s| s.split(',').any(|h| h == display)));
                let state = state(&listing, photos_waiting);
                (listing, state)
            })
            .collect())
    }
}

fn state(listing: &Listing, photos_waiting: bool) -> LedgerState {
    let text_waiting = listing.sync == SyncState::Waiting;
    match (&listing.sync, &listing.moderation, listing.status) {
        (SyncState::Failed { reason }, _, _) => LedgerState::Rejected {
            reason: Some(reason.clone()),
        },
        (_, _, status @ (Status::Draft | Status::Archived)) if !text_waiting => {
            LedgerState::NotPublic { status }
        }
        _ if text_waiting || photos_waiting => LedgerState::Waiting,
        (_, Some(Moderation::Rejected { reason }), _) => LedgerState::Rejected {
            reason: reason.clone(),
        },
        (_, Some(Moderation::Pending), _) => LedgerState::InReview,
        _ => LedgerState::Live,
    }
}
