//! Saving what the editor changed, and removing a listing: the two window
//! actions that must not undo work done elsewhere meanwhile.

use rusqlite::OptionalExtension;

use crate::error::{Error, Result};
use crate::listings::{listing_in, replace};
use crate::{Listing, ListingId, ListingInput, NewListing, Store};

/// What [`Store::remove_listing`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The listing never reached the marketplace: gone for good.
    Deleted,
    /// The marketplace has (or may have) it: archived, which takes it off
    /// the marketplace at the next sync and keeps it here.
    Archived,
}

impl Store {
    /// Saves an edit made in an editor that loaded `loaded` and now holds
    /// `typed`: only the fields that differ between the two are written,
    /// onto the listing as it is *now* (a pull may have changed it since
    /// the editor opened), and the stock moves by the manager's own delta
    /// (`typed − loaded`), so sales counted elsewhere meanwhile stay.
    ///
    /// A field the manager changed that was also changed underneath (to
    /// another value) is not silently overwritten: nothing is written and
    /// the answer is [`Error::EditedMeanwhile`] naming those fields; save
    /// again with `loaded` holding the current values to keep the typed ones.
    pub fn save_edit(
        &mut self,
        id: ListingId,
        loaded: &ListingInput,
        typed: ListingInput,
        now_ms: i64,
    ) -> Result<Listing> {
        let tx = self.conn.transaction()?;
        let current = listing_in(&tx, id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let (next, clashes) = apply_typed(&current.to_input(), loaded, typed);
        if !clashes.is_empty() {
            return Err(Error::EditedMeanwhile { fields: clashes });
        }
        if next == current.to_input() {
            return Ok(current);
        }
        let new = NewListing::validate(next)?;
        replace(&tx, id, &new, now_ms)?;
        tx.commit()?;
        self.listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Removes a listing as the manager asked: deleted for good when it
    /// never reached the marketplace (never acknowledged, never sent),
    /// archived otherwise — the marketplace then takes it off sale, and
    /// this laptop keeps the record of what was sold.
    pub fn remove_listing(&mut self, id: ListingId, now_ms: i64) -> Result<Removal> {
        let tx = self.conn.transaction()?;
        let current = listing_in(&tx, id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let sent: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE listing_id = ?1 AND state <> 'pending')
                 OR EXISTS (SELECT 1 FROM outbox_sends WHERE listing_id = ?1)
                 OR EXISTS (SELECT 1 FROM shared_listings WHERE listing_id = ?1)",
            [id.to_string()],
            |row| row.get(0),
        )?;
        if current.server_version.is_some() || sent {
            let mut input = current.to_input();
            input.status = crate::Status::Archived;
            if input != current.to_input() {
                replace(&tx, id, &NewListing::validate(input)?, now_ms)?;
            }
            tx.commit()?;
            return Ok(Removal::Archived);
        }
        for sql in [
            "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
            "DELETE FROM outbox WHERE listing_id = ?1",
            "DELETE FROM listing_photos WHERE listing_id = ?1",
            "DELETE FROM listings WHERE id = ?1",
        ] {
            tx.execute(sql, [id.to_string()])?;
        }
        tx.commit()?;
        Ok(Removal::Deleted)
    }

    /// Whether the listing ever went out to the marketplace.
    pub fn ever_sent(&self, id: ListingId) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM outbox WHERE listing_id = ?1 AND state <> 'pending'
                 UNION ALL SELECT 1 FROM outbox_sends WHERE listing_id = ?1
                 UNION ALL SELECT 1 FROM shared_listings WHERE listing_id = ?1 LIMIT 1",
                [id.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

/// `current` with the fields the manager changed (`loaded` → `typed`)
/// written over it, and the names of those that were also changed
/// underneath (`loaded` ≠ `current`) to another value. Pure.
pub(crate) fn apply_typed(
    current: &ListingInput,
    loaded: &ListingInput,
    typed: ListingInput,
) -> (ListingInput, Vec<String>) {
    let mut next = current.clone();
    let mut clashes = Vec::new();
    macro_rules! field {
        ($($f:ident => $name:literal),* $(,)?) => {$(
            if typed.$f != loaded.$f {
                if current.$f != loaded.$f && current.$f != typed.$f {
                    clashes.push($name.to_owned());
                }
                next.$f = typed.$f.clone();
            }
        )*};
    }
    field! {
        titles => "title",
        descriptions => "description",
        category => "category",
        price => "price",
        unit => "unit",
        dimensions => "dimensions",
        weight_grams => "weight",
        materials => "materials",
        origin => "origin",
        region => "region",
        tags => "tags",
        status => "status",
        artisan => "artisan",
        photos => "photos",
    }
    // Stock never clashes: the manager's delta lands on today's count.
    let delta = i64::from(typed.stock) - i64::from(loaded.stock);
    next.stock = u32::try_from((i64::from(current.stock) + delta).max(0)).unwrap_or(u32::MAX);
    (next, clashes)
}
