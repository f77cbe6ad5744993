//! What the full editor reads and saves. Saving sends the store both what
//! the editor loaded and what the manager typed, so only the manager's
//! own changes are written (`Store::save_edit`): a price or a stock count
//! pulled from another laptop meanwhile survives.

use crate::ipc::{AppError, ErrorField, ListingDetails, LostEdits};

/// The editor's view of listing `id` now.
pub fn details(s: &store::Store, id: store::ListingId) -> store::Result<ListingDetails> {
    let listing = s
        .listing(id)?
        .filter(|l| !l.deleted)
        .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
    let artisan = match listing.artisan {
        Some(artisan) => s
            .artisans()?
            .into_iter()
            .find(|a| a.id == artisan)
            .map(|a| a.name),
        None => None,
    };
    Ok(ListingDetails::of(&listing, artisan.as_deref()))
}

/// Saves what changed between `loaded` and `typed` onto listing `id`.
/// Typed text is parsed first: a typo changes nothing. A new artisan name
/// adds the artisan. When a field the manager changed was also changed
/// underneath, nothing is saved and the error carries the listing as it
/// is now, for the editor to show both values.
pub fn save(
    s: &mut store::Store,
    id: store::ListingId,
    loaded: &ListingDetails,
    typed: &ListingDetails,
    now_ms: i64,
) -> Result<store::Listing, AppError> {
    let mut typed_input = typed.to_input(None, Vec::new())?;
    store::NewListing::validate(typed_input.clone())?;
    let mut loaded_input = loaded.to_input(None, Vec::new())?;
    let current = s
        .listing(id)?
        .filter(|l| !l.deleted)
        .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
    // The editor does not edit photos: both sides carry today's.
    loaded_input.photos = current.photos.clone();
    typed_input.photos = current.photos;
    let (loaded_name, typed_name) = (loaded.artisan.trim(), typed.artisan.trim());
    loaded_input.artisan = match loaded_name {
        "" => None,
        name => s.artisan_by_name(name)?.map(|a| a.id),
    };
    typed_input.artisan = if typed_name == loaded_name {
        loaded_input.artisan
    } else if typed_name.is_empty() {
        None
    } else {
        Some(match s.artisan_by_name(typed_name)? {
            Some(found) => found.id,
            None => s.add_artisan(typed_name, None, None, now_ms)?.id,
        })
    };
    match s.save_edit(id, &loaded_input, typed_input, now_ms) {
        Ok(listing) => Ok(listing),
        Err(store::Error::EditedMeanwhile { fields }) => Err(AppError::EditedMeanwhile {
            fields: fields
                .iter()
                .filter_map(|f| ErrorField::from_store_name(f))
                .collect(),
            current: Box::new(details(s, id)?),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The fields of listing `id` where this laptop's edit lost, with both
/// values; `None` when there are none.
pub fn lost_edits(s: &store::Store, id: store::ListingId) -> store::Result<Option<LostEdits>> {
    let conflicts = s.conflicts(id)?;
    if conflicts.is_empty() {
        return Ok(None);
    }
    let current = details(s, id)?;
    let mine = ListingDetails::of_input(&s.mine_of(id)?, Some(current.artisan.as_str()));
    Ok(Some(LostEdits {
        fields: conflicts
            .iter()
            .map(|c| ErrorField::of_listing_field(c.field))
            .collect(),
        mine,
        current,
    }))
}

/// Takes this laptop's value of `field` back (a new edit that wins at the
/// next sync), or keeps the other laptop's.
pub fn settle(
    s: &mut store::Store,
    id: store::ListingId,
    field: ErrorField,
    take_back: bool,
    now_ms: i64,
) -> store::Result<()> {
    let field = field
        .listing_field()
        .ok_or_else(|| store::Error::NotFound(format!("{id} {field:?}")))?;
    if take_back {
        s.take_back(id, field, now_ms)?;
    } else {
        s.keep_theirs(id, field)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
