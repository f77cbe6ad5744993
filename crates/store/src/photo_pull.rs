//! Photos that come with pulled listings: taking the server's photo list
//! into a listing (or merging it with a local change still to send), and
//! the blobs this laptop must download to show them.

use rusqlite::{OptionalExtension, Transaction};

use crate::error::Result;
use crate::listings::write_photos;
use crate::{ListingId, Store};

/// One photo of a pulled listing, by SHA-256 (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledPhoto {
    pub display: String,
    pub thumb: String,
}

/// The photo list a listing should have after a pull. Pure.
///
/// `local` is the listing's list here, `synced` the server's list as this
/// laptop last knew it (what it last sent or pulled), `server` the list
/// just pulled. No local change (`local == synced`): the server's list.
/// A local change waiting to be sent: the local list, then the server's
/// photos it lacks, except those this laptop removed (they are in
/// `synced`): the next `PUT` sends the merge, so neither laptop's new
/// photos are lost. A photo removed elsewhere while a local change waits
/// stays (the local list wins for the photos it has).
pub fn merge_photos(local: &[String], synced: &[String], server: &[String]) -> Vec<String> {
    if local == synced {
        return server.to_vec();
    }
    let mut merged = local.to_vec();
    for photo in server {
        if !merged.contains(photo) && !synced.contains(photo) {
            merged.push(photo.clone());
        }
    }
    merged
}

/// Takes the server's photos into listing `id` (which exists here and is
/// not deleted), merged with a waiting local change; records the photos
/// this laptop did not know and wants their files. Whether the listing's
/// photos changed.
///
/// `awaited`: some display-size files of the server's list are not there
/// yet. If that list is this laptop's own change still on its way (the
/// list here, not yet synced), it stays to send: the files go, and the
/// `PUT` after them marks it synced.
pub(crate) fn take_photos(
    tx: &Transaction<'_>,
    id: ListingId,
    server: &[PulledPhoto],
    awaited: bool,
    now_ms: i64,
) -> Result<bool> {
    let (local, synced): (Vec<String>, String) = tx.query_row(
        "SELECT coalesce((SELECT group_concat(p.sha256, ',') FROM (SELECT sha256 FROM listing_photos
           WHERE listing_id = l.id ORDER BY position) p), ''), l.photos_synced
         FROM listings l WHERE l.id = ?1",
        [id.to_string()],
        |row| Ok((split(&row.get::<_, String>(0)?), row.get(1)?)),
    )?;
    let server_list: Vec<String> = server.iter().map(|p| p.display.clone()).collect();
    if awaited && local == server_list && split(&synced) != server_list {
        return Ok(false);
    }
    let merged = merge_photos(&local, &split(&synced), &server_list);
    {
        let mut known =
            tx.prepare_cached("SELECT 1 FROM photo_derivatives WHERE display_sha256 = ?1")?;
        let mut record = tx.prepare_cached(
            "INSERT INTO photo_derivatives (display_sha256, thumb_sha256, width, height, source_name, imported_at_ms)
             VALUES (?1, ?2, 0, 0, NULL, ?3) ON CONFLICT (display_sha256) DO NOTHING",
        )?;
        let mut want = tx.prepare_cached(
            "INSERT INTO photo_downloads (sha256, wanted_at_ms) VALUES (?1, ?2)
             ON CONFLICT (sha256) DO NOTHING",
        )?;
        for photo in server.iter().filter(|p| merged.contains(&p.display)) {
            let is_known = known
                .query_row([&photo.display], |_| Ok(()))
                .optional()?
                .is_some();
            if is_known {
                continue;
            }
            record.execute((&photo.display, &photo.thumb, now_ms))?;
            want.execute((&photo.display, now_ms))?;
            want.execute((&photo.thumb, now_ms))?;
        }
    }
    let changed = merged != local;
    if changed {
        write_photos(tx, id, &merged)?;
    }
    tx.execute(
        "UPDATE listings SET photos_synced = ?2 WHERE id = ?1",
        (id.to_string(), server_list.join(",")),
    )?;
    Ok(changed)
}

fn split(key: &str) -> Vec<String> {
    key.split(',')
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The blobs a listing here shows: its photos and their thumbnails.
const SHOWN: &str = "SELECT sha256 FROM listing_photos
     UNION SELECT p.thumb_sha256 FROM listing_photos lp
           JOIN photo_derivatives p ON p.display_sha256 = lp.sha256";

/// A blob to fetch from the marketplace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoDownload {
    pub sha256: String,
    /// Failed tries so far.
    pub attempts: u32,
    /// A thumbnail (else a display-size photo).
    pub thumb: bool,
}

impl Store {
    /// Up to `limit` photo blobs pulled listings name and this laptop has
    /// not downloaded yet: the least tried first, thumbnails (a few
    /// kilobytes, what a list shows) before displays, then the oldest.
    ///
    /// Only blobs a listing here still shows: a photo removed (here or by
    /// another laptop) before its download finished is no longer fetched,
    /// and the marketplace, where no listing shows it either, would answer
    /// 404 for ever. Its row stays, so the photo is fetched if a listing
    /// shows it again.
    pub fn photo_downloads(&self, limit: usize) -> Result<Vec<PhotoDownload>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.sha256, d.attempts,
                    EXISTS (SELECT 1 FROM photo_derivatives p WHERE p.thumb_sha256 = d.sha256) AS thumb
             FROM photo_downloads d
             WHERE d.sha256 IN ({SHOWN})
             ORDER BY d.attempts, NOT thumb, d.wanted_at_ms, d.sha256
             LIMIT ?1"
        ))?;
        let rows = stmt
            .query_map([limit as i64], |row| {
                Ok(PhotoDownload {
                    sha256: row.get(0)?,
                    attempts: row.get(1)?,
                    thumb: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The blob's file is on disk, verified: it is no longer wanted.
    pub fn photo_downloaded(&self, sha256: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM photo_downloads WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }

    /// A try failed; the blob stays wanted and is tried again next pass.
    pub fn photo_download_failed(&self, sha256: &str, error: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE photo_downloads SET attempts = attempts + 1, last_error = ?2 WHERE sha256 = ?1",
            (sha256, error),
        )?;
        Ok(())
    }

    /// How many blobs wait to be downloaded (those a listing here shows).
    pub fn photo_downloads_waiting(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM photo_downloads WHERE sha256 IN ({SHOWN})"),
            [],
            |row| row.get(0),
        )?;
        Ok(n as u64)
    }
}
