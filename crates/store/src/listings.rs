use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, Row, Transaction};
use uuid::Uuid;

use crate::edits::Edit;
use crate::error::{Error, Field, Reason, Result, ValidationError};
pub use crate::listing_input::{ListingInput, NewListing};
use crate::normalize::normalize;
use crate::{ArtisanId, Category, Localized, Price, Status, Store, Titles, Unit};

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
        Uuid::parse_str(s.trim())
            .map(ListingId)
            .map_err(|_| Error::NotFound(s.to_owned()))
    }
}

impl fmt::Display for ListingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
    pub descriptions: Localized,
    pub category: Category,
    pub price: Price,
    pub stock: u32,
    pub unit: Unit,
    pub dimensions: Option<String>,
    pub weight_grams: Option<u32>,
    pub materials: Option<String>,
    pub origin: Option<String>,
    pub region: Option<String>,
    pub tags: Vec<String>,
    pub status: Status,
    pub artisan: Option<ArtisanId>,
    pub photos: Vec<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted: bool,
    pub sync: SyncState,
    /// What the marketplace's moderators said, as last pulled.
    pub moderation: Option<Moderation>,
    /// The server's version of the listing, as last acknowledged or pulled.
    pub server_version: Option<i64>,
}

/// Where a listing stands with the marketplace's moderators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    /// Waiting for a moderator: not public yet.
    Pending,
    /// Public.
    Approved,
    /// Refused; the reason is the moderator's words.
    Rejected { reason: Option<String> },
}

impl Moderation {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Moderation::Pending => "pending",
            Moderation::Approved => "approved",
            Moderation::Rejected { .. } => "rejected",
        }
    }

    pub(crate) fn reason(&self) -> Option<&str> {
        match self {
            Moderation::Rejected { reason } => reason.as_deref(),
            _ => None,
        }
    }
}

pub(crate) const SELECT_LISTING: &str = "
    SELECT l.id, l.title_ar, l.title_fr, l.title_en, l.price_centimes,
           l.created_at_ms, l.updated_at_ms, l.deleted_at_ms IS NOT NULL,
           EXISTS (SELECT 1 FROM outbox o WHERE o.listing_id = l.id AND o.state = 'pending'),
           (SELECT o.reason FROM outbox o WHERE o.listing_id = l.id AND o.state = 'rejected'
             AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.listing_id = l.id AND n.seq > o.seq)
             ORDER BY o.seq DESC LIMIT 1),
           l.description_ar, l.description_fr, l.description_en, l.category, l.stock, l.unit,
           l.dimensions, l.weight_grams, l.materials, l.origin, l.region, l.tags, l.status, l.artisan_id,
           (SELECT group_concat(p.sha256, ',') FROM (SELECT sha256 FROM listing_photos
             WHERE listing_id = l.id ORDER BY position) p),
           l.server_version, l.moderation, l.rejection_reason
    FROM listings l";

fn corrupt(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected {what} in the catalog").into(),
    )
}

pub(crate) fn listing_from_row(row: &Row<'_>) -> rusqlite::Result<Listing> {
    let id: String = row.get(0)?;
    let id = Uuid::parse_str(&id).map_err(|_| corrupt(0, "listing id"))?;
    let price: i64 = row.get(4)?;
    let pending: bool = row.get(8)?;
    let rejected: Option<String> = row.get(9)?;
    let sync = match (pending, rejected) {
        (true, _) => SyncState::Waiting,
        (false, Some(reason)) => SyncState::Failed { reason },
        (false, None) => SyncState::Live,
    };
    let split = |s: Option<String>| -> Vec<String> {
        s.map(|s| {
            s.split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
    };
    let artisan: Option<String> = row.get(23)?;
    let moderation = match row.get::<_, Option<String>>(26)?.as_deref() {
        None => None,
        Some("pending") => Some(Moderation::Pending),
        Some("approved") => Some(Moderation::Approved),
        Some("rejected") => Some(Moderation::Rejected {
            reason: row.get(27)?,
        }),
        Some(_) => return Err(corrupt(26, "moderation state")),
    };
    Ok(Listing {
        id: ListingId(id),
        titles: Localized {
            ar: row.get(1)?,
            fr: row.get(2)?,
            en: row.get(3)?,
        },
        descriptions: Localized {
            ar: row.get(10)?,
            fr: row.get(11)?,
            en: row.get(12)?,
        },
        category: Category::parse(&row.get::<_, String>(13)?)
            .ok_or_else(|| corrupt(13, "category"))?,
        // The CHECK constraint and `Price` agree; a bad row is corruption.
        price: Price::from_centimes(price).map_err(|_| corrupt(4, "price"))?,
        stock: row.get(14)?,
        unit: Unit::parse(&row.get::<_, String>(15)?).ok_or_else(|| corrupt(15, "unit"))?,
        dimensions: row.get(16)?,
        weight_grams: row.get(17)?,
        materials: row.get(18)?,
        origin: row.get(19)?,
        region: row.get(20)?,
        tags: split(row.get(21)?),
        status: Status::parse(&row.get::<_, String>(22)?).ok_or_else(|| corrupt(22, "status"))?,
        artisan: artisan
            .map(|a| a.parse().map_err(|_| corrupt(23, "artisan id")))
            .transpose()?,
        photos: split(row.get(24)?),
        created_at_ms: row.get(5)?,
        updated_at_ms: row.get(6)?,
        deleted: row.get(7)?,
        sync,
        moderation,
        server_version: row.get(25)?,
    })
}

impl Store {
    /// Saves a new listing and its outbox entry in one transaction.
    pub fn create_listing(&mut self, new: NewListing, now_ms: i64) -> Result<Listing> {
        let id = ListingId::new();
        let tx = self.conn.transaction()?;
        insert(&tx, id, &new, now_ms)?;
        tx.commit()?;
        self.listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Replaces a listing's content; queues the change.
    pub fn update_listing(
        &mut self,
        id: ListingId,
        new: NewListing,
        now_ms: i64,
    ) -> Result<Listing> {
        let tx = self.conn.transaction()?;
        replace(&tx, id, &new, now_ms)?;
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
        tx.execute(
            "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
            [id.to_string()],
        )?;
        crate::conflicts::clear(&tx, id, None)?;
        enqueue(&tx, id, "delete", now_ms, &Edit::whole())?;
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
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], listing_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Overwrites listing `id` with `new` inside `tx`, with its search entry and outbox row.
pub(crate) fn replace(
    tx: &Transaction<'_>,
    id: ListingId,
    new: &NewListing,
    now_ms: i64,
) -> Result<()> {
    let old = listing_in(tx, id)?.ok_or_else(|| Error::NotFound(id.to_string()))?;
    write_replace(tx, id, new, now_ms)?;
    let edit = Edit::between(&old, new.input());
    // A field edited here again is the manager's choice now: its lost edit
    // (if any) is no longer a question.
    crate::conflicts::clear(tx, id, edit.fields.as_deref())?;
    enqueue(tx, id, "upsert", now_ms, &edit)
}

/// Overwrites listing `id` with `new` and its search entry; no outbox row
/// (a pull writes what the server already has).
pub(crate) fn write_replace(
    tx: &Transaction<'_>,
    id: ListingId,
    new: &NewListing,
    now_ms: i64,
) -> Result<()> {
    let l = new.input();
    let changed = tx.execute(
        "UPDATE listings SET title_ar = ?2, title_fr = ?3, title_en = ?4, price_centimes = ?5, updated_at_ms = ?6,
        description_ar = ?7, description_fr = ?8, description_en = ?9, category = ?10, stock = ?11,
        unit = ?12, dimensions = ?13, weight_grams = ?14, materials = ?15, origin = ?16, region = ?17,
        tags = ?18, status = ?19, artisan_id = ?20
         WHERE id = ?1 AND deleted_at_ms IS NULL",
        rusqlite::params_from_iter(columns(id, l, now_ms)),
    )?;
    if changed == 0 {
        return Err(Error::NotFound(id.to_string()));
    }
    write_photos(tx, id, &l.photos)?;
    index(tx, id)?;
    Ok(())
}

/// The values of `?1`…`?20` in both the INSERT and the UPDATE of a listing,
/// in the same order, so the two statements cannot drift apart.
pub(crate) fn columns(id: ListingId, l: &ListingInput, now_ms: i64) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
    vec![
        Value::Text(id.to_string()),
        text(&l.titles.ar),
        text(&l.titles.fr),
        text(&l.titles.en),
        Value::Integer(l.price.centimes()),
        Value::Integer(now_ms),
        text(&l.descriptions.ar),
        text(&l.descriptions.fr),
        text(&l.descriptions.en),
        Value::Text(l.category.as_str().to_owned()),
        Value::Integer(l.stock.into()),
        Value::Text(l.unit.as_str().to_owned()),
        text(&l.dimensions),
        l.weight_grams
            .map_or(Value::Null, |w| Value::Integer(w.into())),
        text(&l.materials),
        text(&l.origin),
        text(&l.region),
        Value::Text(l.tags.join(",")),
        Value::Text(l.status.as_str().to_owned()),
        l.artisan
            .map_or(Value::Null, |a| Value::Text(a.to_string())),
    ]
}

/// Inserts a listing with its photos, search entry and outbox row, inside `tx`.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    id: ListingId,
    new: &NewListing,
    now_ms: i64,
) -> Result<()> {
    write_insert(tx, id, new, now_ms)?;
    enqueue(tx, id, "upsert", now_ms, &Edit::whole())
}

/// Inserts a listing with its photos and search entry; no outbox row.
pub(crate) fn write_insert(
    tx: &Transaction<'_>,
    id: ListingId,
    new: &NewListing,
    now_ms: i64,
) -> Result<()> {
    let l = new.input();
    tx.execute(
        "INSERT INTO listings (id, title_ar, title_fr, title_en, price_centimes, created_at_ms, updated_at_ms,
            description_ar, description_fr, description_en, category, stock, unit, dimensions, weight_grams,
            materials, origin, region, tags, status, artisan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        rusqlite::params_from_iter(columns(id, l, now_ms)),
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            ValidationError { field: Field::Artisan, reason: Reason::Unknown }.into()
        }
        e => Error::from(e),
    })?;
    write_photos(tx, id, &l.photos)?;
    index(tx, id)?;
    Ok(())
}

pub(crate) fn write_photos(tx: &Transaction<'_>, id: ListingId, photos: &[String]) -> Result<()> {
    tx.execute(
        "DELETE FROM listing_photos WHERE listing_id = ?1",
        [id.to_string()],
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO listing_photos (listing_id, position, sha256) VALUES (?1, ?2, ?3)",
    )?;
    for (position, sha) in photos.iter().enumerate() {
        stmt.execute((id.to_string(), position as i64, sha))?;
    }
    Ok(())
}

/// Rewrites the listing's search entry from what is stored now.
pub(crate) fn index(tx: &Transaction<'_>, id: ListingId) -> Result<()> {
    let body: String = tx.query_row(
        "SELECT concat_ws(' ', l.title_ar, l.title_fr, l.title_en, l.description_ar, l.description_fr,
                l.description_en, replace(l.tags, ',', ' '), l.materials, l.origin, l.region, a.name, a.village, a.craft)
         FROM listings l LEFT JOIN artisans a ON a.id = l.artisan_id WHERE l.id = ?1",
        [id.to_string()],
        |row| row.get(0),
    )?;
    tx.execute(
        "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
        [id.to_string()],
    )?;
    // The search entry shares the listing's rowid: lookups and deletes by rowid, never a scan.
    tx.execute(
        "INSERT INTO listings_fts (rowid, listing_id, body) SELECT rowid, id, ?2 FROM listings WHERE id = ?1",
        (id.to_string(), normalize(&body)),
    )?;
    Ok(())
}

/// Queues the edit, stamped with the next reading of the device's clock.
fn enqueue(tx: &Transaction<'_>, id: ListingId, op: &str, now_ms: i64, edit: &Edit) -> Result<()> {
    let hlc = crate::hlc::tick(tx, now_ms)?;
    tx.execute(
        "INSERT INTO outbox (change_id, listing_id, op, created_at_ms, hlc_ms, hlc_counter, fields, stock_delta)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        (
            Uuid::now_v7().to_string(),
            id.to_string(),
            op,
            now_ms,
            hlc.ms,
            hlc.counter,
            edit.fields_text(),
            edit.stock_delta,
        ),
    )?;
    Ok(())
}

/// The listing as stored, read through `conn` (which may be a transaction).
pub(crate) fn listing_in(conn: &rusqlite::Connection, id: ListingId) -> Result<Option<Listing>> {
    let sql = format!("{SELECT_LISTING} WHERE l.id = ?1");
    Ok(conn
        .query_row(&sql, [id.to_string()], listing_from_row)
        .optional()?)
}

impl Listing {
    /// The listing's content as an input, to edit a few fields and save it back.
    pub fn to_input(&self) -> ListingInput {
        ListingInput {
            titles: self.titles.clone(),
            descriptions: self.descriptions.clone(),
            category: self.category,
            price: self.price,
            stock: self.stock,
            unit: self.unit,
            dimensions: self.dimensions.clone(),
            weight_grams: self.weight_grams,
            materials: self.materials.clone(),
            origin: self.origin.clone(),
            region: self.region.clone(),
            tags: self.tags.clone(),
            status: self.status,
            artisan: self.artisan,
            photos: self.photos.clone(),
        }
    }
}
