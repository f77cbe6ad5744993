//! What the status shows of the uploads under way: bytes sent of bytes
//! waiting, the rate, the time left, each listing's photos.

use std::collections::HashSet;

use store::PhotoSetToSend;

use crate::pace::Pace;
use crate::{Engine, ListingPhotos, Uploading};

/// The photos on their way, as [`Engine::uploading`] shows them: bytes
/// from the pace's count, listings' photos from the blobs still waiting.
#[derive(Debug, Clone)]
pub(crate) struct UploadCounts {
    bytes_total: u64,
    /// `Pace::moved` when these uploads began.
    moved_at_start: u64,
    /// Index in the pass's sets, and the listing's photos so far.
    listings: Vec<(usize, ListingPhotos)>,
}

impl UploadCounts {
    pub(super) fn update(&mut self, set: usize, sent: u32) {
        for (i, listing) in &mut self.listings {
            if *i == set {
                listing.sent = sent;
            }
        }
    }

    pub(crate) fn snapshot(&self, pace: &Pace, now: tokio::time::Instant) -> Uploading {
        let sent = pace
            .moved()
            .saturating_sub(self.moved_at_start)
            .min(self.bytes_total);
        let rate = pace.rate(now).map(|r| r as u64);
        Uploading {
            bytes_sent: sent,
            bytes_total: self.bytes_total,
            rate_bytes_per_s: rate,
            seconds_left: Uploading::time_left(self.bytes_total - sent, rate),
            listings: self
                .listings
                .iter()
                .filter(|(_, l)| l.sent < l.total)
                .map(|(_, l)| l.clone())
                .collect(),
        }
    }
}

/// Sets the engine's [`UploadCounts`] for one `upload_missing`, and clears
/// them when it ends (also on an error or a cancelled pass).
pub(super) struct Shown<'e> {
    engine: &'e Engine,
}

impl<'e> Shown<'e> {
    pub(super) fn start(
        engine: &'e Engine,
        sets: &[PhotoSetToSend],
        waiting: &[HashSet<&str>],
        bytes_total: u64,
        since: Option<u64>,
    ) -> Shown<'e> {
        let no_failures = HashSet::new();
        let listings = sets
            .iter()
            .zip(waiting)
            .enumerate()
            .filter(|(_, (_, w))| !w.is_empty())
            .map(|(i, (set, w))| {
                let total = u32::try_from(set.photos.len()).unwrap_or(u32::MAX);
                let sent = photos_sent(set, w, &no_failures);
                (
                    i,
                    ListingPhotos {
                        listing_id: set.listing_id,
                        sent,
                        total,
                    },
                )
            })
            .collect();
        let now = engine.pace.moved();
        let moved_at_start = since.unwrap_or(now);
        *engine.uploading.lock().unwrap_or_else(|p| p.into_inner()) = Some(UploadCounts {
            bytes_total: bytes_total + (now - moved_at_start),
            moved_at_start,
            listings,
        });
        Shown { engine }
    }
}

impl Drop for Shown<'_> {
    fn drop(&mut self) {
        *self
            .engine
            .uploading
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// A listing's photos the server has both files of (none waiting, none
/// failed). Pure.
pub(super) fn photos_sent(
    set: &PhotoSetToSend,
    waiting: &HashSet<&str>,
    failed: &HashSet<String>,
) -> u32 {
    let there = |h: &str| !waiting.contains(h) && !failed.contains(h);
    let sent = set
        .photos
        .iter()
        .filter(|p| there(&p.display) && p.thumb.as_deref().is_some_and(there))
        .count();
    u32::try_from(sent).unwrap_or(u32::MAX)
}
