//! A listing as the server keeps it (`merge.rs` merges changes into it).
//!
//! Each field remembers the clock of the write that set it: a hybrid
//! logical clock reading from the device plus the device's id, compared in
//! that order. A change sets the fields it names when its clock is not
//! older than theirs; fields it loses are reported back as a conflict with
//! the merged result. Stock is the exception: a change may carry a delta
//! (units sold or made since the device's base version), which is summed,
//! so two laptops selling the same day both count.

use std::collections::BTreeMap;

use protocol::{Hlc, ListingPayload, LocalizedText, ModerationState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{Arg, Row, Tx};
use crate::error::{Error, Result};
use crate::{moderation, search};

/// Who set a field, when: compared by clock, then device id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Stamp(pub i64, pub u32, pub String);

impl Stamp {
    pub(crate) fn new(hlc: Hlc, device: Uuid) -> Stamp {
        Stamp(hlc.ms, hlc.counter, device.to_string())
    }
}

/// Field name (`ListingField` in snake case, or `deleted`) → stamp.
pub(crate) type Clocks = BTreeMap<String, Stamp>;

/// One row of `listings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    pub content: ListingPayload,
    pub deleted: bool,
    pub moderation: ModerationState,
    pub rejection_reason: Option<String>,
    /// `changes_seq`: the listing's place in the change feed, which devices
    /// also use as its version.
    pub version: i64,
    pub clocks: Clocks,
    /// The server's clock when what the public sees last changed (created,
    /// content edited, republished): the catalog's order.
    pub received_at_ms: i64,
}

/// The columns [`Stored::from_row`] reads, prefixed with `l.`.
pub(crate) const COLUMNS: &str = "l.id, l.cooperative_id, l.title_ar, l.title_fr, l.title_en,
    l.price_centimes, l.updated_at_ms, l.deleted, l.moderation, l.rejection_reason,
    l.changes_seq, l.description_ar, l.description_fr, l.description_en, l.category, l.stock,
    l.unit, l.dimensions, l.weight_grams, l.materials, l.origin, l.region, l.tags, l.artisan,
    l.clocks, l.status, l.received_at_ms";

/// How many columns [`COLUMNS`] has.
pub(crate) const WIDTH: usize = 27;

impl Stored {
    pub(crate) fn from_row(row: &Row) -> Result<Stored> {
        let tags: String = row.get(22)?;
        let clocks: String = row.get(24)?;
        let state: String = row.get(8)?;
        Ok(Stored {
            id: row.get(0)?,
            cooperative_id: row.get(1)?,
            content: ListingPayload {
                title: LocalizedText {
                    ar: row.get(2)?,
                    fr: row.get(3)?,
                    en: row.get(4)?,
                },
                price_centimes: row.get(5)?,
                updated_at_ms: row.get(6)?,
                description: LocalizedText {
                    ar: row.get(11)?,
                    fr: row.get(12)?,
                    en: row.get(13)?,
                },
                category: row.get(14)?,
                stock: row.get(15)?,
                unit: row.get(16)?,
                dimensions: row.get(17)?,
                weight_grams: row.get(18)?,
                materials: row.get(19)?,
                origin: row.get(20)?,
                region: row.get(21)?,
                tags: serde_json::from_str(&tags)
                    .map_err(|err| Error::Column(format!("tags: {err}")))?,
                artisan: row.get(23)?,
                status: row.get(25)?,
            },
            deleted: row.get(7)?,
            moderation: moderation::from_sql(&state).unwrap_or(ModerationState::Pending),
            rejection_reason: row.get(9)?,
            version: row.get(10)?,
            clocks: serde_json::from_str(&clocks)
                .map_err(|err| Error::Column(format!("clocks: {err}")))?,
            received_at_ms: row.get(26)?,
        })
    }

    /// The latest clock reading among its writes (`None` before clocks).
    pub(crate) fn latest_hlc(&self) -> Option<protocol::Hlc> {
        self.clocks
            .values()
            .max()
            .map(|Stamp(ms, counter, _)| protocol::Hlc {
                ms: *ms,
                counter: *counter,
            })
    }

    /// A listing deleted before the server ever saw its content: a bare
    /// tombstone that only keeps the id with its cooperative.
    pub(crate) fn is_bare(&self) -> bool {
        self.deleted && self.content.updated_at_ms == 0 && self.content.title.is_empty()
    }

    /// Writes whole rows (insert or update), up to [`SAVE_CHUNK`] per statement: one round
    /// trip for most push batches.
    pub(crate) fn save_all(tx: &mut Tx<'_>, listings: &[&Stored]) -> Result<()> {
        for chunk in listings.chunks(SAVE_CHUNK) {
            let owned = chunk
                .iter()
                .map(|l| l.text_columns())
                .collect::<Result<Vec<_>>>()?;
            let mut values: Vec<Arg<'_>> = Vec::with_capacity(chunk.len() * SAVED_COLUMNS);
            for (listing, texts) in chunk.iter().zip(&owned) {
                values.extend(listing.args(texts));
            }
            let rows = (0..chunk.len())
                .map(|row| {
                    let params = (1..=SAVED_COLUMNS)
                        .map(|col| format!("?{}", row * SAVED_COLUMNS + col))
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("({params})")
                })
                .collect::<Vec<_>>()
                .join(",\n");
            let sql = format!(
                "INSERT INTO listings (id, cooperative_id, title_ar, title_fr, title_en,
                     price_centimes, updated_at_ms, deleted, moderation, rejection_reason,
                     changes_seq, description_ar, description_fr, description_en, category,
                     stock, unit, dimensions, weight_grams, materials, origin, region, tags,
                     artisan, clocks, search_text, status, published, received_at_ms)
                 VALUES {rows}
                 ON CONFLICT (id) DO UPDATE SET
                     title_ar = excluded.title_ar, title_fr = excluded.title_fr,
                     title_en = excluded.title_en, price_centimes = excluded.price_centimes,
                     updated_at_ms = excluded.updated_at_ms, deleted = excluded.deleted,
                     moderation = excluded.moderation,
                     rejection_reason = excluded.rejection_reason,
                     changes_seq = excluded.changes_seq,
                     description_ar = excluded.description_ar,
                     description_fr = excluded.description_fr,
                     description_en = excluded.description_en, category = excluded.category,
                     stock = excluded.stock, unit = excluded.unit,
                     dimensions = excluded.dimensions, weight_grams = excluded.weight_grams,
                     materials = excluded.materials, origin = excluded.origin,
                     region = excluded.region, tags = excluded.tags,
                     artisan = excluded.artisan, clocks = excluded.clocks,
                     search_text = excluded.search_text, status = excluded.status,
                     published = excluded.published,
                     received_at_ms = excluded.received_at_ms
                 WHERE listings.cooperative_id = excluded.cooperative_id"
            );
            tx.execute(&sql, &values)?;
        }
        Ok(())
    }

    /// The columns computed for saving: id, cooperative id, tags (JSON),
    /// clocks (JSON), search text.
    fn text_columns(&self) -> Result<[String; 5]> {
        let c = &self.content;
        fn json(value: &impl Serialize) -> Result<String> {
            serde_json::to_string(value).map_err(|err| Error::Column(err.to_string()))
        }
        let search_text = search::search_text(
            [
                &c.title.ar,
                &c.title.fr,
                &c.title.en,
                &c.artisan,
                &c.origin,
                &c.region,
            ]
            .map(|t| t.as_deref())
            .into_iter()
            .chain(c.tags.iter().map(|t| Some(t.as_str()))),
        );
        Ok([
            self.id.to_string(),
            self.cooperative_id.to_string(),
            json(&c.tags)?,
            json(&self.clocks)?,
            search_text,
        ])
    }

    /// The [`SAVED_COLUMNS`] parameters of one row, in the INSERT's order.
    fn args<'a>(&'a self, texts: &'a [String; 5]) -> [Arg<'a>; SAVED_COLUMNS] {
        let c = &self.content;
        let [id, cooperative_id, tags, clocks, search_text] = texts;
        [
            id.into(),
            cooperative_id.into(),
            (&c.title.ar).into(),
            (&c.title.fr).into(),
            (&c.title.en).into(),
            c.price_centimes.into(),
            c.updated_at_ms.into(),
            self.deleted.into(),
            moderation::to_sql(self.moderation).into(),
            (&self.rejection_reason).into(),
            self.version.into(),
            (&c.description.ar).into(),
            (&c.description.fr).into(),
            (&c.description.en).into(),
            (&c.category).into(),
            c.stock.into(),
            (&c.unit).into(),
            (&c.dimensions).into(),
            c.weight_grams.into(),
            (&c.materials).into(),
            (&c.origin).into(),
            (&c.region).into(),
            tags.into(),
            (&c.artisan).into(),
            clocks.into(),
            search_text.into(),
            (&c.status).into(),
            is_public_status(c.status.as_deref()).into(),
            self.received_at_ms.into(),
        ]
    }
}

/// Whether a listing with this status may be public: `ready`, `published`,
/// or none at all (a device from before status synced).
pub(crate) fn is_public_status(status: Option<&str>) -> bool {
    status.is_none_or(protocol::status_is_public)
}

/// Columns one saved row binds.
const SAVED_COLUMNS: usize = 29;
/// Rows per INSERT: 50 × 29 parameters stays far below both engines' limits.
const SAVE_CHUNK: usize = 50;
