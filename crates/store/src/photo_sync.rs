//! Photos on their way to the marketplace: which listings' photo sets the
//! server does not have yet, and the tus upload URL of each photo in flight.

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::{ListingId, Store};

/// A listing whose photo set differs from the one the marketplace last
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoSetToSend {
    pub listing_id: ListingId,
    /// In order, the cover first. `thumb` is `None` for a photo the
    /// catalog has no derivatives record for (it cannot be sent).
    pub photos: Vec<PhotoToSend>,
    /// The set as one value, to hand back to [`Store::mark_photos_synced`].
    pub key: String,
    /// The display hashes the marketplace had when this laptop last knew
    /// (last accepted set or last pull), in order: the precondition of the
    /// next `PUT`.
    pub synced: Vec<String>,
    /// The marketplace has the listing's latest change: its photos may be
    /// set now (the server refuses photos for a listing it does not know).
    pub listing_live: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoToSend {
    pub display: String,
    pub thumb: Option<String>,
}

impl PhotoSetToSend {
    /// Every blob the set needs on the server: displays and thumbnails.
    pub fn hashes(&self) -> impl Iterator<Item = &str> {
        self.photos
            .iter()
            .flat_map(|p| std::iter::once(p.display.as_str()).chain(p.thumb.as_deref()))
    }
}

/// The current photo set of listing `l`, as stored in `photos_synced`.
const CURRENT_KEY: &str =
    "coalesce((SELECT group_concat(p.sha256, ',') FROM (SELECT sha256 FROM listing_photos
      WHERE listing_id = l.id ORDER BY position) p), '')";

impl Store {
    /// Listings (not deleted) whose photos the marketplace does not have as
    /// they are now, oldest change first.
    pub fn photo_sets_to_send(&self) -> Result<Vec<PhotoSetToSend>> {
        let sql = format!(
            "SELECT l.id, {CURRENT_KEY} AS current, l.photos_synced,
                    NOT EXISTS (SELECT 1 FROM outbox o WHERE o.listing_id = l.id AND o.state = 'pending')
                    AND EXISTS (SELECT 1 FROM outbox o WHERE o.listing_id = l.id AND o.state = 'sent')
             FROM listings l
             WHERE l.deleted_at_ms IS NULL AND {CURRENT_KEY} != l.photos_synced
             ORDER BY l.updated_at_ms, l.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, bool>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut thumb = self.conn.prepare_cached(
            "SELECT thumb_sha256 FROM photo_derivatives WHERE display_sha256 = ?1",
        )?;
        rows.into_iter()
            .map(|(id, key, synced, listing_live)| {
                let photos = key
                    .split(',')
                    .filter(|h| !h.is_empty())
                    .map(|display| {
                        Ok(PhotoToSend {
                            display: display.to_owned(),
                            thumb: thumb.query_row([display], |row| row.get(0)).optional()?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(PhotoSetToSend {
                    listing_id: id.parse()?,
                    photos,
                    key,
                    synced: synced
                        .split(',')
                        .filter(|h| !h.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    listing_live,
                })
            })
            .collect()
    }

    /// The marketplace accepted `key` as the listing's photo set. A key that
    /// no longer matches (the manager changed the photos meanwhile) still
    /// leaves the listing to be sent again.
    pub fn mark_photos_synced(&self, id: ListingId, key: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE listings SET photos_synced = ?2 WHERE id = ?1",
            (id.to_string(), key),
        )?;
        Ok(())
    }

    /// The marketplace answered a photo list with its own, newer one:
    /// merges it in as a pull would (photos removed here stay removed),
    /// so the next `PUT` keeps the other laptops' photos. Whether the
    /// listing's photos changed.
    pub fn take_server_photos(
        &mut self,
        id: ListingId,
        server: &[crate::PulledPhoto],
        now_ms: i64,
    ) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let live: bool = tx
            .query_row(
                "SELECT deleted_at_ms IS NULL FROM listings WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false);
        let changed = live && crate::photo_pull::take_photos(&tx, id, server, false, now_ms)?;
        tx.commit()?;
        Ok(changed)
    }

    /// How many photos (distinct, by display hash) wait to reach the
    /// marketplace with their listings.
    pub fn photos_waiting(&self) -> Result<u64> {
        let sql = format!(
            "SELECT COUNT(DISTINCT lp.sha256) FROM listing_photos lp
             JOIN listings l ON l.id = lp.listing_id
             WHERE l.deleted_at_ms IS NULL AND {CURRENT_KEY} != l.photos_synced"
        );
        let n: i64 = self.conn.query_row(&sql, [], |row| row.get(0))?;
        Ok(n as u64)
    }

    /// The tus upload URL of a photo being sent, if one was created.
    pub fn photo_upload_url(&self, sha256: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT url FROM photo_uploads WHERE sha256 = ?1",
                [sha256],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Remembers the upload URL the server gave, before the first byte goes.
    pub fn set_photo_upload_url(&self, sha256: &str, url: &str, now_ms: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO photo_uploads (sha256, url, created_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (sha256) DO UPDATE SET url = excluded.url, created_at_ms = excluded.created_at_ms",
            (sha256, url, now_ms),
        )?;
        Ok(())
    }

    /// The upload finished, or the server no longer knows it.
    pub fn forget_photo_upload(&self, sha256: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM photo_uploads WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }
}
