//! Which photos the catalog knows: the pipeline's derivatives, by hash, and
//! attaching them to listings.

use rusqlite::OptionalExtension;

use crate::error::{Error, Field, Reason, Result, ValidationError};
use crate::{Listing, ListingId, NewListing, Store};

/// One imported photo: its `display` and `thumb` JPEGs, by SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRecord {
    pub display_sha256: String,
    pub thumb_sha256: String,
    pub width: u32,
    pub height: u32,
    /// The file name it came from, for the manager's benefit.
    pub source_name: Option<String>,
}

impl Store {
    /// Remembers an imported photo (idempotent: the same photo twice is one row).
    pub fn record_photo(&self, photo: &PhotoRecord, now_ms: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO photo_derivatives (display_sha256, thumb_sha256, width, height, source_name, imported_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (display_sha256) DO NOTHING",
            (&photo.display_sha256, &photo.thumb_sha256, photo.width, photo.height, &photo.source_name, now_ms),
        )?;
        Ok(())
    }

    pub fn photo(&self, display_sha256: &str) -> Result<Option<PhotoRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT display_sha256, thumb_sha256, width, height, source_name FROM photo_derivatives
                 WHERE display_sha256 = ?1",
                [display_sha256],
                |row| {
                    Ok(PhotoRecord {
                        display_sha256: row.get(0)?,
                        thumb_sha256: row.get(1)?,
                        width: row.get(2)?,
                        height: row.get(3)?,
                        source_name: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Appends photos (by display hash) to a listing, skipping ones it has;
    /// the change syncs like any edit.
    pub fn attach_photos(
        &mut self,
        id: ListingId,
        display_sha256: &[String],
        now_ms: i64,
    ) -> Result<Listing> {
        let listing = self
            .listing(id)?
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let mut input = listing.to_input();
        for sha in display_sha256 {
            if !input.photos.contains(sha) {
                input.photos.push(sha.clone());
            }
        }
        self.update_listing(id, NewListing::validate(input)?, now_ms)
    }

    /// Puts a listing's photos in `order` (display hashes, the cover
    /// first): a new order, a new cover, or photos taken off (those left
    /// out; their files stay, other listings may show them). Only photos
    /// the listing has, each once (else `Validation` on `photos`). The
    /// change syncs like any edit; the same order again changes nothing.
    pub fn arrange_photos(
        &mut self,
        id: ListingId,
        order: &[String],
        now_ms: i64,
    ) -> Result<Listing> {
        let listing = self
            .listing(id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| Error::NotFound(id.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        if order
            .iter()
            .any(|sha| !listing.photos.contains(sha) || !seen.insert(sha))
        {
            return Err(ValidationError {
                field: Field::Photos,
                reason: Reason::Unknown,
            }
            .into());
        }
        if order == listing.photos.as_slice() {
            return Ok(listing);
        }
        let mut input = listing.to_input();
        input.photos = order.to_vec();
        self.update_listing(id, NewListing::validate(input)?, now_ms)
    }
}
