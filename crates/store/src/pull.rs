//! Taking in what the marketplace says about the cooperative's listings:
//! edits from the cooperative's other laptops, deletions, moderation, server
//! versions. Nothing pulled ever becomes an outbox row, so it cannot bounce
//! back as a push.

use protocol::{Hlc, ListingField};
use rusqlite::Transaction;

use crate::error::Result;
use crate::listings::{listing_in, write_insert, write_replace};
use crate::photo_pull::{PulledPhoto, take_photos};
use crate::settings::{SettingKey, set_in};
use crate::{Listing, ListingId, ListingInput, Moderation, NewListing, Store, SyncState};

/// One listing as the marketplace has it now, in the catalog's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub id: ListingId,
    pub version: Option<i64>,
    pub deleted: bool,
    /// `None` for a listing the server only knows as deleted.
    pub content: Option<PulledContent>,
    pub moderation: Moderation,
    /// The listing's photos on the server, in order (`None`: not said, as
    /// on a bare tombstone or from a server before photos were pulled).
    pub photos: Option<Vec<PulledPhoto>>,
    /// Some display-size files of `photos` are not on the server yet (its
    /// list was set ahead of them): a laptop whose own list this is keeps
    /// it to send, so they still go.
    pub photos_awaited: bool,
    /// The clock of the latest write behind this state, when the server
    /// says it; else the content's `updated_at_ms` stands in.
    pub hlc: Option<Hlc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledContent {
    /// What the server knows of the listing. Its `status` and `artisan`
    /// are not on the wire, and its photos come apart
    /// ([`Pulled::photos`]): a listing this laptop has keeps its own.
    pub input: ListingInput,
    pub updated_at_ms: i64,
    /// The server did not say the stock (a listing pushed before stock
    /// was on the wire): a listing this laptop has keeps its own.
    pub stock_unknown: bool,
    /// The server did not say the status (a listing last written by a
    /// device from before status synced): the local one stays.
    pub status_unknown: bool,
}

/// What a page of pulled changes did here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullApplied {
    /// Listings whose content, deletion or moderation changed on this laptop.
    pub changed: usize,
    /// Pulled contents not taken because the listing has an edit waiting to
    /// be pushed (the server merges it when it arrives).
    pub kept_local: usize,
}

impl Store {
    /// Applies a page of pulled listings and moves the pull cursor to
    /// `cursor`, in one transaction: a crash applies the page and its cursor
    /// together, or neither.
    ///
    /// A listing with a change waiting to be sent keeps its local content
    /// (and its server version: the waiting edit started from the old one);
    /// only its moderation is taken.
    pub fn apply_pulled(
        &mut self,
        changes: &[Pulled],
        cursor: &str,
        now_ms: i64,
    ) -> Result<PullApplied> {
        let tx = self.conn.transaction()?;
        let mut applied = PullApplied::default();
        for pulled in changes {
            if apply_one(&tx, pulled, Some(&pulled.moderation), now_ms, &mut applied)? {
                applied.changed += 1;
            }
        }
        // The next local edit comes after every edit seen here.
        if let Some(latest) = changes
            .iter()
            .filter_map(|p| {
                p.hlc.or(p.content.as_ref().map(|c| Hlc {
                    ms: c.updated_at_ms,
                    counter: 0,
                }))
            })
            .max()
        {
            crate::hlc::observe(&tx, latest, now_ms)?;
        }
        set_in(&tx, SettingKey::PullCursor, Some(cursor))?;
        tx.commit()?;
        Ok(applied)
    }

    /// Takes in the listing a push answered `conflict` with (the server kept
    /// another laptop's later values for the `lost` fields), unless the
    /// listing was edited again here since: that edit is pushed and merged
    /// next. The lost values are kept as [`crate::Conflict`]s for the
    /// manager to see and take back. Whether the listing changed.
    pub fn take_merged(
        &mut self,
        id: ListingId,
        content: PulledContent,
        lost: &[ListingField],
        version: Option<i64>,
        now_ms: i64,
    ) -> Result<bool> {
        let tx = self.conn.transaction()?;
        if let Some(local) = listing_in(&tx, id)?
            && !local.deleted
            && local.sync != SyncState::Waiting
        {
            let mut merged = content.input.clone();
            if content.status_unknown {
                merged.status = local.status;
            }
            if content.stock_unknown {
                merged.stock = local.stock;
            }
            crate::conflicts::record(&tx, id, &local.to_input(), &merged, lost, now_ms)?;
        }
        let pulled = Pulled {
            id,
            version,
            deleted: false,
            content: Some(content),
            moderation: Moderation::Pending,
            photos: None,
            photos_awaited: false,
            hlc: None,
        };
        let changed = apply_one(&tx, &pulled, None, now_ms, &mut PullApplied::default())?;
        tx.commit()?;
        Ok(changed)
    }

    /// Takes the server's stock from a push's results: the marketplace's
    /// count, plus this laptop's stock changes still waiting to be sent.
    ///
    /// The marketplace counts each sale once (by change id); a laptop can
    /// count one twice, when another laptop's sale reaches it both through
    /// the marketplace (pulled) and through a bundle (its unsent delta,
    /// applied here). Taking the server's count at every push undoes that.
    pub fn take_server_stocks(&mut self, stocks: &[(ListingId, i64)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE listings SET stock = max(0, ?2 + coalesce((SELECT sum(o.stock_delta) FROM outbox o
                     WHERE o.listing_id = listings.id AND o.state = 'pending'), 0))
                 WHERE id = ?1 AND deleted_at_ms IS NULL",
            )?;
            for (id, stock) in stocks {
                stmt.execute((id.to_string(), stock))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the server versions from a push's results (a version never
    /// goes back).
    pub fn record_versions(&mut self, versions: &[(ListingId, i64)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE listings SET server_version = ?2
                 WHERE id = ?1 AND (server_version IS NULL OR server_version < ?2)",
            )?;
            for (id, version) in versions {
                stmt.execute((id.to_string(), version))?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Applies one pulled listing; `moderation`, when given, is taken too.
/// Whether anything visible changed.
fn apply_one(
    tx: &Transaction<'_>,
    pulled: &Pulled,
    moderation: Option<&Moderation>,
    now_ms: i64,
    applied: &mut PullApplied,
) -> Result<bool> {
    let id = pulled.id;
    let local = listing_in(tx, id)?;
    let mut changed = false;
    if let (Some(local), Some(moderation)) = (&local, moderation)
        && local.moderation.as_ref() != Some(moderation)
    {
        tx.execute(
            "UPDATE listings SET moderation = ?2, rejection_reason = ?3 WHERE id = ?1",
            (id.to_string(), moderation.as_str(), moderation.reason()),
        )?;
        changed = true;
    }
    if local.as_ref().is_some_and(|l| l.sync == SyncState::Waiting) {
        if pulled.content.is_some() || pulled.deleted {
            applied.kept_local += 1;
        }
        // Photos go by their own request: they are taken (or merged with
        // a photo change waiting here) whatever edit of the fields waits.
        changed |= pulled_photos(tx, pulled, now_ms)?;
        return Ok(changed);
    }

    if pulled.deleted {
        if let Some(local) = &local
            && !local.deleted
        {
            tx.execute(
                "UPDATE listings SET deleted_at_ms = ?2 WHERE id = ?1",
                (id.to_string(), now_ms),
            )?;
            tx.execute(
                "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
                [id.to_string()],
            )?;
            changed = true;
        }
    } else if let Some(content) = &pulled.content {
        changed |= take_content(tx, id, local.as_ref(), content, moderation)?;
    }
    if let Some(version) = pulled.version {
        tx.execute(
            "UPDATE listings SET server_version = ?2 WHERE id = ?1",
            (id.to_string(), version),
        )?;
    }
    changed |= pulled_photos(tx, pulled, now_ms)?;
    Ok(changed)
}

/// Takes the pulled photos into the listing, if the server said them and
/// the listing is here and alive (a deleted one's photos are not fetched).
fn pulled_photos(tx: &Transaction<'_>, pulled: &Pulled, now_ms: i64) -> Result<bool> {
    let Some(photos) = &pulled.photos else {
        return Ok(false);
    };
    if pulled.deleted {
        return Ok(false);
    }
    match listing_in(tx, pulled.id)? {
        Some(local) if !local.deleted => {
            take_photos(tx, pulled.id, photos, pulled.photos_awaited, now_ms)
        }
        _ => Ok(false),
    }
}

/// Writes the pulled content over the local listing (creating or reviving
/// it); whether that changed anything.
fn take_content(
    tx: &Transaction<'_>,
    id: ListingId,
    local: Option<&Listing>,
    content: &PulledContent,
    moderation: Option<&Moderation>,
) -> Result<bool> {
    let mut input = content.input.clone();
    if let Some(local) = local {
        if content.status_unknown {
            input.status = local.status;
        }
        input.artisan = local.artisan;
        input.photos = local.photos.clone();
        if content.stock_unknown {
            input.stock = local.stock;
        }
    }
    let new = match NewListing::validate(input) {
        Ok(new) => new,
        Err(e) => {
            // Another version's rules, perhaps; the server stays right and
            // this laptop keeps what it has.
            tracing::warn!(listing = %id, error = %e, "pulled listing does not validate here; not taken");
            return Ok(false);
        }
    };
    match local {
        None => {
            write_insert(tx, id, &new, content.updated_at_ms)?;
            if let Some(moderation) = moderation {
                tx.execute(
                    "UPDATE listings SET moderation = ?2, rejection_reason = ?3 WHERE id = ?1",
                    (id.to_string(), moderation.as_str(), moderation.reason()),
                )?;
            }
            Ok(true)
        }
        Some(local) => {
            if !local.deleted
                && local.to_input() == *new.input()
                && local.updated_at_ms == content.updated_at_ms
            {
                return Ok(false);
            }
            if local.deleted {
                // Revived elsewhere by a later edit.
                tx.execute(
                    "UPDATE listings SET deleted_at_ms = NULL WHERE id = ?1",
                    [id.to_string()],
                )?;
            }
            write_replace(tx, id, &new, content.updated_at_ms)?;
            Ok(true)
        }
    }
}
