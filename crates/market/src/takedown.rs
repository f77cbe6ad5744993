//! Taking a photo down for good (`hanout-market photo purge SHA`): someone
//! else's copyrighted or an indecent picture. It leaves every listing that
//! shows it (their devices pull the shorter list), its record and its bytes
//! leave the blob store, and the hash is remembered so it is never stored
//! again. Photos of listings that are not public are not served anyway
//! (`photos.rs`); this is for a photo that must go whatever its listings.

use protocol::ModerationState;
use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::Result;
use crate::moderation;
use crate::moderation_history::{self, Action, Event};

/// Removes the photo from every listing and from the photo records, and
/// remembers it as purged; the caller then deletes its bytes. Returns the
/// listings that showed it. Purging twice is fine.
pub(crate) fn purge(
    tx: &mut Tx<'_>,
    sha256: &str,
    operator: &str,
    reason: Option<&str>,
    now_ms: i64,
) -> Result<Vec<Uuid>> {
    tx.execute(
        "INSERT INTO purged_photos (sha256, at_ms, actor, reason) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO NOTHING",
        args![sha256, now_ms, operator, reason],
    )?;
    let listings = tx
        .query(
            "SELECT DISTINCT l.id, l.moderation FROM listing_photos lp
             JOIN listings l ON l.id = lp.listing_id
             WHERE lp.display = ?1 OR lp.thumb = ?1
             ORDER BY l.id",
            args![sha256],
        )?
        .iter()
        .map(|row| {
            let state: String = row.get(1)?;
            Ok((
                row.get::<Uuid>(0)?,
                moderation::from_sql(&state).unwrap_or(ModerationState::Pending),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    // A photo is a display and its thumbnail: the pair goes together.
    tx.execute(
        "DELETE FROM listing_photos WHERE display = ?1 OR thumb = ?1",
        args![sha256],
    )?;
    tx.execute("DELETE FROM photos WHERE sha256 = ?1", args![sha256])?;
    let mut events = Vec::with_capacity(listings.len());
    for (listing_id, state) in &listings {
        // Their devices learn of the shorter list on their next pull.
        let seq = tx.next_change_seq()?;
        tx.execute(
            "UPDATE listings SET changes_seq = ?1 WHERE id = ?2",
            args![seq, &listing_id.to_string()],
        )?;
        events.push(Event {
            listing_id: *listing_id,
            at_ms: now_ms,
            actor: operator.to_owned(),
            action: Action::PhotoPurged,
            state: *state,
            reason: Some(match reason {
                Some(reason) => format!("{sha256}: {reason}"),
                None => sha256.to_owned(),
            }),
        });
    }
    moderation_history::append(tx, &events)?;
    Ok(listings.into_iter().map(|(id, _)| id).collect())
}

/// Which of `hashes` an operator purged.
pub(crate) fn purged(tx: &mut Tx<'_>, hashes: &[String]) -> Result<Vec<String>> {
    let mut purged = Vec::new();
    for hash in hashes {
        let found = tx
            .query_opt("SELECT 1 FROM purged_photos WHERE sha256 = ?1", args![hash])?
            .is_some();
        if found && !purged.contains(hash) {
            purged.push(hash.clone());
        }
    }
    Ok(purged)
}
