use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, Row, Transaction};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::{Price, Store, Titles};

/// A listing's id: a UUIDv7 minted on the device, so it exists offline and
/// sorts by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListingId(Uuid);

impl ListingId {
    pub fn new() -> ListingId {
        ListingId(Uuid::now_v7())
    }

    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl Default for ListingId {
    fn default() -> Self {
        ListingId::new()
    }
}

impl From<Uuid> for ListingId {
    fn from(id: Uuid) -> Self {
        ListingId(id)
    }
}

impl FromStr for ListingId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Uuid::parse_str(s)
            .map(ListingId)
            .map_err(|_| Error::NotFound(s.to_owned()))
    }
}

impl fmt::Display for ListingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What the manager typed, already validated.
#[derive(Debug, Clone)]
pub struct NewListing {
    titles: Titles,
    price: Price,
}

impl NewListing {
    pub fn new(titles: Titles, price: Price) -> Result<NewListing> {
        Ok(NewListing {
            titles: titles.validated()?,
            price,
        })
    }
}

/// Where a listing stands with the marketplace. Derived from the outbox,
/// never stored twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// A change is waiting to be sent.
    Waiting,
    /// The marketplace has the latest change.
    Live,
    /// The marketplace refused the latest change; `reason` says why.
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub id: ListingId,
    pub titles: Titles,
    pub price: Price,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted: bool,
    pub sync: SyncState,
}

const SELECT_LISTING: &str = "
    SELECT l.id, l.title_ar, l.title_fr, l.title_en, l.price_centimes,
           l.created_at_ms, l.updated_at_ms, l.deleted_at_ms IS NOT NULL,
           EXISTS (SELECT 1 FROM outbox o WHERE o.listing_id = l.id AND o.state = 'pending'),
           (SELECT o.reason FROM outbox o WHERE o.listing_id = l.id AND o.state = 'rejected'
             AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.listing_id = l.id AND n.seq > o.seq)
             ORDER BY o.seq DESC LIMIT 1)
    FROM listings l";

fn listing_from_row(row: &Row<'_>) -> rusqlite::Result<Listing> {
    let id: String = row.get(0)?;
    let id = Uuid::parse_str(&id).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let price: i64 = row.get(4)?;
    let pending: bool = row.get(8)?;
    let rejected: Option<String> = row.get(9)?;
    let sync = match (pending, rejected) {
        (true, _) => SyncState::Waiting,
        (false, Some(reason)) => SyncState::Failed { reason },
        (false, None) => SyncState::Live,
    };
    Ok(Listing {
        id: ListingId(id),
        titles: Titles {
            ar: row.get(1)?,
            fr: row.get(2)?,
            en: row.get(3)?,
        },
        // The CHECK constraint and `Price` agree; a bad row is corruption.
        price: Price::from_centimes(price).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Integer,
                Box::new(e),
            )
        })?,
        created_at_ms: row.get(5)?,
        updated_at_ms: row.get(6)?,
        deleted: row.get(7)?,
        sync,
    })
}

impl Store {
    /// Saves a new listing and its outbox entry in one transaction.
    pub fn create_listing(&mut self, new: NewListing, now_ms: i64) -> Result<Listing> {
        let id = ListingId::new();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO listings (id, title_ar, title_fr, title_en, price_centimes, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            (id.to_string(), &new.titles.ar, &new.titles.fr, &new.titles.en, new.price.centimes(), now_ms),
        )?;
        enqueue(&tx, id, "upsert", now_ms)?;
        tx.commit()?;
        self.listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Replaces a listing's titles and price; queues the change.
    pub fn update_listing(
        &mut self,
        id: ListingId,
        new: NewListing,
        now_ms: i64,
    ) -> Result<Listing> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE listings SET title_ar = ?2, title_fr = ?3, title_en = ?4, price_centimes = ?5, updated_at_ms = ?6
             WHERE id = ?1 AND deleted_at_ms IS NULL",
            (id.to_string(), &new.titles.ar, &new.titles.fr, &new.titles.en, new.price.centimes(), now_ms),
        )?;
        if changed == 0 {
            return Err(Error::NotFound(id.to_string()));
        }
        enqueue(&tx, id, "upsert", now_ms)?;
        tx.commit()?;
        self.listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Soft-deletes a listing: the tombstone stays and syncs.
    pub fn delete_listing(&mut self, id: ListingId, now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE listings SET deleted_at_ms = ?2, updated_at_ms = ?2 WHERE id = ?1 AND deleted_at_ms IS NULL",
            (id.to_string(), now_ms),
        )?;
        if changed == 0 {
            return Err(Error::NotFound(id.to_string()));
        }
        enqueue(&tx, id, "delete", now_ms)?;
        tx.commit()?;
        Ok(())
    }

    pub fn listing(&self, id: ListingId) -> Result<Option<Listing>> {
        let sql = format!("{SELECT_LISTING} WHERE l.id = ?1");
        Ok(self
            .conn
            .query_row(&sql, [id.to_string()], listing_from_row)
            .optional()?)
    }

    /// Every listing not deleted, newest change first.
    pub fn listings(&self) -> Result<Vec<Listing>> {
        let sql = format!(
            "{SELECT_LISTING} WHERE l.deleted_at_ms IS NULL ORDER BY l.updated_at_ms DESC, l.id DESC"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], listing_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn enqueue(tx: &Transaction<'_>, id: ListingId, op: &str, now_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (change_id, listing_id, op, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
        (Uuid::now_v7().to_string(), id.to_string(), op, now_ms),
    )?;
    Ok(())
}
