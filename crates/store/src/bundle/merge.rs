//! One listing of a bundle merged here (see the module above).

use std::collections::BTreeMap;

use protocol::{Hlc, ListingField};
use rusqlite::{Transaction, params};
use uuid::Uuid;

use super::import::Derived;
use super::{BundlePhotos, Extras, Row, fields_of, split};
use crate::error::Result;
use crate::listings::{write_insert, write_replace};
use crate::{Listing, ListingId, NewListing};

/// What happened to one listing of a bundle here.
pub(super) enum Taken {
    New,
    Updated,
    Same,
}

/// A listing this laptop did not have: taken as it is there, with its rows.
pub(super) fn take_new(
    tx: &Transaction<'_>,
    theirs: &Listing,
    extras: &Extras,
    fresh: &[Row],
    derived: &Derived,
    files: &dyn BundlePhotos,
) -> Result<Taken> {
    let id = theirs.id;
    // Its photos as there if their files came; else none until a pull
    // brings the marketplace's list (and downloads its files): nothing
    // here names a file not here, nor sends a list it cannot upload.
    let (photos, synced) = if derived.all_here(&theirs.photos, files) {
        (theirs.photos.clone(), extras.photos_synced.clone())
    } else {
        (Vec::new(), String::new())
    };
    let mut input = theirs.to_input();
    input.photos = photos;
    write_insert(tx, id, &NewListing::validate(input)?, theirs.created_at_ms)?;
    tx.execute(
        "UPDATE listings SET updated_at_ms = ?2, deleted_at_ms = ?3, server_version = ?4,
           moderation = ?5, rejection_reason = ?6, photos_synced = ?7 WHERE id = ?1",
        params![
            id.to_string(),
            theirs.updated_at_ms,
            extras.deleted_at_ms,
            extras.server_version,
            extras.moderation,
            extras.rejection_reason,
            synced,
        ],
    )?;
    if extras.deleted_at_ms.is_some() {
        tx.execute(
            "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
            [id.to_string()],
        )?;
    }
    let mut waiting = false;
    for row in fresh {
        insert_row(
            tx,
            id,
            row,
            &row.op,
            &row.state,
            row.fields.as_deref(),
            row.stock_delta,
            &extras.from,
        )?;
        waiting |= row.state == "pending";
    }
    if waiting {
        let op = if extras.deleted_at_ms.is_some() {
            "delete"
        } else {
            "upsert"
        };
        carrier(tx, id, op, theirs.updated_at_ms)?;
    }
    Ok(Taken::New)
}

/// A listing both laptops have: merged field by field (see the module's doc).
#[allow(clippy::too_many_arguments)]
pub(super) fn merge_into(
    tx: &Transaction<'_>,
    ours: &Listing,
    theirs: &Listing,
    extras: &Extras,
    their_clocks: &BTreeMap<ListingField, Hlc>,
    fresh: &[Row],
    derived: &Derived,
    files: &dyn BundlePhotos,
    now_ms: i64,
) -> Result<Taken> {
    let id = ours.id;
    let our_clocks = field_clocks(tx, id)?;
    let alive = !ours.deleted;
    // A field goes their way when their edit of it is later than ours and
    // came now (an edit seen before was weighed then).
    let won: Vec<ListingField> = if alive {
        ListingField::ALL
            .into_iter()
            .filter(|&f| f != ListingField::Stock)
            .filter(|f| {
                let theirs = their_clocks.get(f);
                theirs.is_some()
                    && theirs > our_clocks.get(f)
                    && fresh
                        .iter()
                        .any(|r| r.hlc.as_ref() == theirs && r.sets().contains(f))
            })
            .collect()
    } else {
        Vec::new()
    };
    let delta: i64 = if alive {
        fresh
            .iter()
            .filter(|r| r.state == "pending")
            .filter_map(Row::stock_delta)
            .fold(0i64, i64::saturating_add)
    } else {
        0
    };
    let deleted_there = alive && theirs.deleted && fresh.iter().any(|r| r.op == "delete");
    let mut changed = false;
    if deleted_there {
        tx.execute(
            "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
            [id.to_string()],
        )?;
        tx.execute(
            "UPDATE listings SET deleted_at_ms = ?2, updated_at_ms = ?2 WHERE id = ?1",
            (id.to_string(), now_ms),
        )?;
        changed = true;
    } else if alive {
        let mut input = ours.to_input();
        let there = theirs.to_input();
        for field in &won {
            take_field(&mut input, &there, *field);
        }
        if delta != 0 {
            input.stock = (i64::from(ours.stock) + delta).clamp(0, i64::from(u32::MAX)) as u32;
        }
        // Their photo change (their list against what their marketplace
        // had) applied to ours, when the files it adds are here.
        let their_base = split(&extras.photos_synced);
        let added: Vec<String> = theirs
            .photos
            .iter()
            .filter(|p| !their_base.contains(p))
            .cloned()
            .collect();
        if theirs.photos != their_base && derived.all_here(&added, files) {
            input.photos = apply_photo_change(&ours.photos, &their_base, &theirs.photos);
        }
        if input != ours.to_input() {
            write_replace(tx, id, &NewListing::validate(input)?, now_ms)?;
            changed = true;
        }
    }
    let mut waiting = false;
    for row in fresh {
        let mut claims: Vec<ListingField> = row
            .sets()
            .into_iter()
            .filter(|f| won.contains(f) && row.hlc.as_ref() == their_clocks.get(f))
            .collect();
        let delta = (alive && row.state == "pending")
            .then(|| row.stock_delta())
            .flatten();
        if delta.is_some() {
            claims.push(ListingField::Stock);
        }
        claims.sort();
        let op = if row.op == "delete" && deleted_there {
            "delete"
        } else {
            "upsert"
        };
        let effective = !claims.is_empty() || op == "delete";
        let state = if effective {
            row.state.as_str()
        } else {
            "sent"
        };
        let fields = claims
            .iter()
            .map(|&f| crate::field_name(f))
            .collect::<Vec<_>>()
            .join(",");
        insert_row(tx, id, row, op, state, Some(&fields), delta, &extras.from)?;
        waiting |= effective && state == "pending";
    }
    if waiting {
        let deleted = ours.deleted || deleted_there;
        carrier(tx, id, if deleted { "delete" } else { "upsert" }, now_ms)?;
    }
    Ok(if changed { Taken::Updated } else { Taken::Same })
}

/// The other laptop's photo change (`base` → `theirs`) applied to `ours`:
/// the photos it removed go, those it added come after ours; a photo added
/// here meanwhile stays. With no change here (`ours == base`): theirs,
/// order included. Pure.
fn apply_photo_change(ours: &[String], base: &[String], theirs: &[String]) -> Vec<String> {
    if ours == base {
        return theirs.to_vec();
    }
    let mut merged: Vec<String> = ours
        .iter()
        .filter(|p| theirs.contains(p) || !base.contains(p))
        .cloned()
        .collect();
    for p in theirs {
        if !base.contains(p) && !merged.contains(p) {
            merged.push(p.clone());
        }
    }
    merged
}

/// Copies one field's value from `from` into `into`.
fn take_field(into: &mut crate::ListingInput, from: &crate::ListingInput, field: ListingField) {
    match field {
        ListingField::Title => into.titles = from.titles.clone(),
        ListingField::Price => into.price = from.price,
        ListingField::Description => into.descriptions = from.descriptions.clone(),
        ListingField::Category => into.category = from.category,
        ListingField::Stock => into.stock = from.stock,
        ListingField::Unit => into.unit = from.unit,
        ListingField::Dimensions => into.dimensions = from.dimensions.clone(),
        ListingField::WeightGrams => into.weight_grams = from.weight_grams,
        ListingField::Materials => into.materials = from.materials.clone(),
        ListingField::Origin => into.origin = from.origin.clone(),
        ListingField::Region => into.region = from.region.clone(),
        ListingField::Tags => into.tags = from.tags.clone(),
        ListingField::Artisan => into.artisan = from.artisan,
        ListingField::Status => into.status = from.status,
    }
}

/// Each field's clock here: the latest edit of it among the listing's rows.
fn field_clocks(tx: &Transaction<'_>, id: ListingId) -> Result<BTreeMap<ListingField, Hlc>> {
    let mut clocks = BTreeMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT fields, hlc_ms, hlc_counter FROM outbox WHERE listing_id = ?1 AND hlc_ms IS NOT NULL",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            Hlc {
                ms: r.get(1)?,
                counter: r.get(2)?,
            },
        ))
    })?;
    for row in rows {
        let (fields, hlc) = row?;
        for field in fields_of(fields.as_deref()) {
            let at = clocks.entry(field).or_insert(hlc);
            *at = (*at).max(hlc);
        }
    }
    Ok(clocks)
}

#[allow(clippy::too_many_arguments)]
fn insert_row(
    tx: &Transaction<'_>,
    id: ListingId,
    row: &Row,
    op: &str,
    state: &str,
    fields: Option<&str>,
    stock_delta: Option<i64>,
    came_from: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (change_id, listing_id, op, created_at_ms, state, reason, done_at_ms,
           hlc_ms, hlc_counter, fields, stock_delta, came_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            row.change_id,
            id.to_string(),
            op,
            row.created_at_ms,
            state,
            row.reason,
            row.done_at_ms,
            row.hlc.map(|h| h.ms),
            row.hlc.map(|h| h.counter),
            fields,
            stock_delta,
            came_from,
        ],
    )?;
    Ok(())
}

/// A row of this laptop's own, no fields, after rows taken in that wait
/// to be sent: the next push goes under its fresh change id.
fn carrier(tx: &Transaction<'_>, id: ListingId, op: &str, now_ms: i64) -> Result<()> {
    let hlc = crate::hlc::tick(tx, now_ms)?;
    tx.execute(
        "INSERT INTO outbox (change_id, listing_id, op, created_at_ms, hlc_ms, hlc_counter, fields, stock_delta)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', NULL)",
        params![
            Uuid::now_v7().to_string(),
            id.to_string(),
            op,
            now_ms,
            hlc.ms,
            hlc.counter
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::apply_photo_change;

    fn v(s: &str) -> Vec<String> {
        s.split(' ')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_photo_change_from_the_other_laptop_keeps_ours() {
        // Nothing changed here: theirs, order included.
        assert_eq!(
            apply_photo_change(&v("a b"), &v("a b"), &v("b a c")),
            v("b a c")
        );
        // A photo added here that they never saw stays; theirs removed b.
        assert_eq!(
            apply_photo_change(&v("a b p"), &v("a b"), &v("a")),
            v("a p")
        );
        // They added c while we added p: both.
        assert_eq!(
            apply_photo_change(&v("a p"), &v("a"), &v("a c")),
            v("a p c")
        );
        // Their base lacks a photo we synced since (p): it is not theirs to remove.
        assert_eq!(
            apply_photo_change(&v("a p"), &v("a"), &v("c a")),
            v("a p c")
        );
    }
}
