//! Edits of this laptop that lost to another laptop's: the marketplace's
//! merge keeps, field by field, the value written last (by hybrid clock),
//! and says which fields of a push lost. The manager sees both values and
//! can take theirs back in one action — a new edit, later than the one that
//! won, so it wins in turn — or keep the other laptop's.
//!
//! Values are kept as JSON in the listing's own terms (centimes, category
//! keys, texts per language), one row per listing and field; a row goes
//! when the field is edited here again, taken back, or kept as it is.

use protocol::ListingField;
use rusqlite::Transaction;
use serde_json::{Value, json};

use crate::edits::{field_name, parse_field};
use crate::error::{Error, Result};
use crate::listings::{listing_in, replace};
use crate::{
    Category, Listing, ListingId, ListingInput, Localized, NewListing, Price, Status, Store, Unit,
};

/// One field of a listing where this laptop's edit lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub listing_id: ListingId,
    pub field: ListingField,
    /// The value this laptop had set (what "take mine back" restores).
    pub mine: Value,
    /// The value that won, as the marketplace said it.
    pub theirs: Value,
    /// When this laptop learnt that its edit lost.
    pub at_ms: i64,
}

impl Conflict {
    /// The field's wire name: `title`, `price`, `status`…
    pub fn field_name(&self) -> &'static str {
        field_name(self.field)
    }
}

impl Store {
    /// The fields of `id` where this laptop's edit lost, in field order.
    pub fn conflicts(&self, id: ListingId) -> Result<Vec<Conflict>> {
        self.conflicts_where("WHERE listing_id = ?1", [id.to_string()])
    }

    /// Every listing's lost edits, oldest first.
    pub fn all_conflicts(&self) -> Result<Vec<Conflict>> {
        self.conflicts_where("", [])
    }

    fn conflicts_where<P: rusqlite::Params>(
        &self,
        filter: &str,
        params: P,
    ) -> Result<Vec<Conflict>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT listing_id, field, mine, theirs, at_ms FROM conflicts {filter} ORDER BY at_ms, listing_id, field"
        ))?;
        let rows = stmt.query_map(params, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, field, mine, theirs, at_ms) = row?;
            let corrupt = |what: &str| Error::Corrupt {
                detail: format!("conflict row of {id}: {what}"),
                backups: Vec::new(),
            };
            let Some(field) = parse_field(&field) else {
                // A field a newer version knows: nothing this one can show.
                continue;
            };
            out.push(Conflict {
                listing_id: id.parse().map_err(|_| corrupt("listing id"))?,
                field,
                mine: serde_json::from_str(&mine).map_err(|_| corrupt("mine"))?,
                theirs: serde_json::from_str(&theirs).map_err(|_| corrupt("theirs"))?,
                at_ms,
            });
        }
        out.sort_by_key(|c| (c.at_ms, c.listing_id, c.field));
        Ok(out)
    }

    /// Listing `id` as it is now, with each field where this laptop's edit
    /// lost set back to this laptop's value: what "take mine back" on
    /// every field would make of it, for showing both side by side.
    pub fn mine_of(&self, id: ListingId) -> Result<ListingInput> {
        let current = self
            .listing(id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let mut input = current.to_input();
        for conflict in self.conflicts(id)? {
            set_value(&mut input, conflict.field, &conflict).map_err(|detail| Error::Corrupt {
                detail,
                backups: Vec::new(),
            })?;
        }
        Ok(input)
    }

    /// Takes this laptop's value of `field` back: a new edit of the listing
    /// as it is now, with only that field set to the value that lost. It
    /// is stamped later than the edit that won, so it wins at the next sync.
    pub fn take_back(
        &mut self,
        id: ListingId,
        field: ListingField,
        now_ms: i64,
    ) -> Result<Listing> {
        let tx = self.conn.transaction()?;
        let conflict = conflict_in(&tx, id, field)?
            .ok_or_else(|| Error::NotFound(format!("{id} {}", field_name(field))))?;
        let current = listing_in(&tx, id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let mut input = current.to_input();
        set_value(&mut input, field, &conflict).map_err(|detail| Error::Corrupt {
            detail,
            backups: Vec::new(),
        })?;
        if input == current.to_input() {
            // Already the value here (taken back by hand meanwhile).
            clear(&tx, id, Some(&[field]))?;
        } else {
            // `replace` queues the edit and clears the row.
            replace(&tx, id, &NewListing::validate(input)?, now_ms)?;
        }
        tx.commit()?;
        self.listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Keeps the value that won: forgets the lost edit of `field`.
    pub fn keep_theirs(&mut self, id: ListingId, field: ListingField) -> Result<()> {
        let tx = self.conn.transaction()?;
        if conflict_in(&tx, id, field)?.is_none() {
            return Err(Error::NotFound(format!("{id} {}", field_name(field))));
        }
        clear(&tx, id, Some(&[field]))?;
        tx.commit()?;
        Ok(())
    }
}

fn conflict_in(
    tx: &Transaction<'_>,
    id: ListingId,
    field: ListingField,
) -> Result<Option<Conflict>> {
    use rusqlite::OptionalExtension;
    let row = tx
        .query_row(
            "SELECT mine, theirs, at_ms FROM conflicts WHERE listing_id = ?1 AND field = ?2",
            (id.to_string(), field_name(field)),
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get(2)?,
                ))
            },
        )
        .optional()?;
    let Some((mine, theirs, at_ms)) = row else {
        return Ok(None);
    };
    let corrupt = || Error::Corrupt {
        detail: format!("conflict row of {id}"),
        backups: Vec::new(),
    };
    Ok(Some(Conflict {
        listing_id: id,
        field,
        mine: serde_json::from_str(&mine).map_err(|_| corrupt())?,
        theirs: serde_json::from_str(&theirs).map_err(|_| corrupt())?,
        at_ms,
    }))
}

/// Records the fields of `lost` where `mine` (this laptop's listing before
/// it takes in the merge) differs from `merged` (what the marketplace kept).
/// A field with a lost edit already recorded keeps its first "mine": that is
/// what the manager typed.
pub(crate) fn record(
    tx: &Transaction<'_>,
    id: ListingId,
    mine: &ListingInput,
    merged: &ListingInput,
    lost: &[ListingField],
    now_ms: i64,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO conflicts (listing_id, field, mine, theirs, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (listing_id, field) DO UPDATE SET theirs = excluded.theirs, at_ms = excluded.at_ms",
    )?;
    for &field in lost {
        let (Some(m), Some(t)) = (value(mine, field), value(merged, field)) else {
            continue;
        };
        if m != t {
            stmt.execute((
                id.to_string(),
                field_name(field),
                m.to_string(),
                t.to_string(),
                now_ms,
            ))?;
        }
    }
    Ok(())
}

/// Forgets the lost edits of `fields` (`None`: all) of `id`: edited here
/// again, the field is the manager's choice now.
pub(crate) fn clear(
    tx: &Transaction<'_>,
    id: ListingId,
    fields: Option<&[ListingField]>,
) -> Result<()> {
    match fields {
        None => {
            tx.execute(
                "DELETE FROM conflicts WHERE listing_id = ?1",
                [id.to_string()],
            )?;
        }
        Some(fields) => {
            let mut stmt =
                tx.prepare_cached("DELETE FROM conflicts WHERE listing_id = ?1 AND field = ?2")?;
            for &field in fields {
                stmt.execute((id.to_string(), field_name(field)))?;
            }
        }
    }
    Ok(())
}

fn text(t: &Localized) -> Value {
    json!({"ar": t.ar, "fr": t.fr, "en": t.en})
}

/// A field's value in the listing's terms; `None` for fields not merged
/// here (the artisan is a local record; the wire carries only a name).
pub(crate) fn value(input: &ListingInput, field: ListingField) -> Option<Value> {
    Some(match field {
        ListingField::Title => text(&input.titles),
        ListingField::Description => text(&input.descriptions),
        ListingField::Price => json!(input.price.centimes()),
        ListingField::Category => json!(input.category.as_str()),
        ListingField::Stock => json!(input.stock),
        ListingField::Unit => json!(input.unit.as_str()),
        ListingField::Dimensions => json!(input.dimensions),
        ListingField::WeightGrams => json!(input.weight_grams),
        ListingField::Materials => json!(input.materials),
        ListingField::Origin => json!(input.origin),
        ListingField::Region => json!(input.region),
        ListingField::Tags => json!(input.tags),
        ListingField::Status => json!(input.status.as_str()),
        ListingField::Artisan => return None,
    })
}

/// Sets `field` of `input` to the conflict's `mine`.
fn set_value(
    input: &mut ListingInput,
    field: ListingField,
    conflict: &Conflict,
) -> Result<(), String> {
    let v = &conflict.mine;
    let bad = || {
        format!(
            "conflict of {} on {}: {v}",
            conflict.listing_id,
            field_name(field)
        )
    };
    let opt_text = |v: &Value| -> Result<Option<String>, String> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(bad()),
        }
    };
    let localized = |v: &Value| -> Result<Localized, String> {
        Ok(Localized {
            ar: opt_text(&v["ar"])?,
            fr: opt_text(&v["fr"])?,
            en: opt_text(&v["en"])?,
        })
    };
    match field {
        ListingField::Title => input.titles = localized(v)?,
        ListingField::Description => input.descriptions = localized(v)?,
        ListingField::Price => {
            input.price = v
                .as_i64()
                .and_then(|c| Price::from_centimes(c).ok())
                .ok_or_else(bad)?;
        }
        ListingField::Category => {
            input.category = v.as_str().and_then(Category::parse).ok_or_else(bad)?;
        }
        ListingField::Stock => {
            input.stock = v
                .as_u64()
                .and_then(|s| u32::try_from(s).ok())
                .ok_or_else(bad)?;
        }
        ListingField::Unit => input.unit = v.as_str().and_then(Unit::parse).ok_or_else(bad)?,
        ListingField::Dimensions => input.dimensions = opt_text(v)?,
        ListingField::WeightGrams => {
            input.weight_grams = match v {
                Value::Null => None,
                v => Some(
                    v.as_u64()
                        .and_then(|w| u32::try_from(w).ok())
                        .ok_or_else(bad)?,
                ),
            };
        }
        ListingField::Materials => input.materials = opt_text(v)?,
        ListingField::Origin => input.origin = opt_text(v)?,
        ListingField::Region => input.region = opt_text(v)?,
        ListingField::Tags => {
            input.tags = v
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|t| t.as_str().map(str::to_owned).ok_or_else(bad))
                .collect::<Result<_, _>>()?;
        }
        ListingField::Status => {
            input.status = v.as_str().and_then(Status::parse).ok_or_else(bad)?
        }
        ListingField::Artisan => return Err(bad()),
    }
    Ok(())
}
