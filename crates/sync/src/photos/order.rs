//! The order photos go in: every listing's thumbnails, then the display
//! photos, smallest listing first; and the first wave asked about while
//! the listings are pushed. Pure but for `first_wave`'s file sizes.

use std::collections::{HashMap, HashSet};

use store::PhotoSetToSend;

use super::{Asked, blob_sizes};
use crate::Engine;
use crate::error::Result;

/// The listings whose thumbnails go first (the smallest, in the order
/// [`upload_order`] takes them) and all their photos: about
/// [`FIRST_WAVE`] photos' worth, at least one listing. When there are
/// more, these listings are pushed first (the marketplace asked about
/// their photos meanwhile), and their thumbnails go while the other
/// listings are pushed and the marketplace is asked about the rest.
pub(crate) struct FirstWave {
    pub listings: HashSet<store::ListingId>,
    pub hashes: HashSet<String>,
    /// The first of them: its thumbnails go alone on the link.
    pub lead: Option<store::ListingId>,
}

/// Photos the first question asks about (a few kilobytes).
const FIRST_WAVE: usize = 32;

pub(crate) async fn first_wave(engine: &Engine, sets: &[PhotoSetToSend]) -> Result<FirstWave> {
    let all: HashSet<String> = Asked::hashes_of(sets).into_iter().collect();
    let root = engine.photos_root().await?;
    let sizes = blob_sizes(&root, all.iter().cloned().collect()).await?;
    let mut wave = FirstWave {
        listings: HashSet::new(),
        hashes: HashSet::new(),
        lead: None,
    };
    // The thumbnails come first in the order, listing by listing.
    let thumbs: HashSet<&str> = sets
        .iter()
        .flat_map(|s| s.photos.iter().filter_map(|p| p.thumb.as_deref()))
        .collect();
    for (_, hash) in upload_order(sets, &all, &sizes) {
        if wave.hashes.len() >= FIRST_WAVE || !thumbs.contains(hash.as_str()) {
            break;
        }
        for set in sets.iter().filter(|s| s.hashes().any(|h| h == hash)) {
            if wave.listings.insert(set.listing_id) {
                wave.hashes.extend(set.hashes().map(str::to_owned));
                wave.lead.get_or_insert(set.listing_id);
            }
        }
    }
    Ok(wave)
}

/// The rank of display photos in [`upload_order`].
pub(super) const DISPLAYS: usize = 2;

/// The order blobs go in: the thumbnails of every listing, then the
/// display-size photos (the server shows a listing with its thumbnails
/// while its display-size files are on their way, so every listing is
/// live before any display-size photo takes the link); within each, the
/// listing with the fewest bytes to send first (a small listing never
/// waits behind a big one; among equals, `sets`' order: oldest change
/// first); each blob once. With each blob its rank for the scheduler in
/// [`upload_missing`] (blobs of a rank start once fewer than two of lower
/// ranks are going, none for display photos): 0 the first listing's
/// thumbnails (alone on the link, it goes live soonest), 1 the other
/// thumbnails, 2 the display photos
/// (within a rank, as many at once as keep the link full through their
/// round trips: holding a listing's display photos back until the one
/// before is nearly done left the link idle 7% of the time, measured).
/// `sizes`: bytes of the missing blobs. Pure.
pub(crate) fn upload_order(
    sets: &[PhotoSetToSend],
    missing: &HashSet<String>,
    sizes: &HashMap<String, u64>,
) -> Vec<(usize, String)> {
    let to_send = |set: &PhotoSetToSend| -> u64 {
        set.hashes()
            .filter(|h| missing.contains(*h))
            .map(|h| sizes.get(h).copied().unwrap_or(0))
            .sum()
    };
    let mut by_size: Vec<&PhotoSetToSend> = sets.iter().collect();
    by_size.sort_by_key(|set| to_send(set));
    let mut queued = HashSet::new();
    let mut order = Vec::new();
    let mut first = true;
    for set in &by_size {
        let before = order.len();
        for hash in set.photos.iter().filter_map(|p| p.thumb.as_deref()) {
            if missing.contains(hash) && queued.insert(hash) {
                order.push((usize::from(!first), hash.to_owned()));
            }
        }
        first &= order.len() == before;
    }
    for set in &by_size {
        for photo in &set.photos {
            let hash = photo.display.as_str();
            if missing.contains(hash) && queued.insert(hash) {
                order.push((DISPLAYS, hash.to_owned()));
            }
        }
    }
    order
}

/// `jobs` split into the thumbnails (still in order) and the hashes of the
/// rest (display-size photos). Pure.
pub(crate) fn thumbnails_only(
    sets: &[PhotoSetToSend],
    jobs: Vec<(usize, String)>,
) -> (Vec<(usize, String)>, Vec<String>) {
    let thumbs: HashSet<&str> = sets
        .iter()
        .flat_map(|s| s.photos.iter().filter_map(|p| p.thumb.as_deref()))
        .collect();
    let (thumbs, rest): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .partition(|(_, h)| thumbs.contains(h.as_str()));
    (thumbs, rest.into_iter().map(|(_, h)| h).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use store::{PhotoSetToSend, PhotoToSend};

    use super::upload_order;

    fn set(id: u128, photos: &[(&str, &str)]) -> PhotoSetToSend {
        PhotoSetToSend {
            listing_id: uuid::Uuid::from_u128(id).to_string().parse().unwrap(),
            photos: photos
                .iter()
                .map(|(d, t)| PhotoToSend {
                    display: (*d).to_owned(),
                    thumb: Some((*t).to_owned()),
                })
                .collect(),
            key: String::new(),
            synced: Vec::new(),
            listing_live: true,
        }
    }

    fn sizes(missing: &HashSet<String>) -> HashMap<String, u64> {
        missing
            .iter()
            .map(|h| (h.clone(), if h.starts_with('d') { 100 } else { 10 }))
            .collect()
    }

    /// A listing with one photo to send goes before one with twenty,
    /// whichever changed first: its thumbnail first of all, and its
    /// display photo before any of the big one's.
    #[test]
    fn a_small_listing_does_not_wait_behind_a_big_one() {
        let big: Vec<(String, String)> = (0..20)
            .map(|i| (format!("d{i}"), format!("t{i}")))
            .collect();
        let big: Vec<(&str, &str)> = big.iter().map(|(d, t)| (d.as_str(), t.as_str())).collect();
        let sets = [set(1, &big), set(2, &[("dx", "tx")])];
        let missing: HashSet<String> = sets
            .iter()
            .flat_map(|s| s.hashes())
            .map(str::to_owned)
            .collect();
        let order = upload_order(&sets, &missing, &sizes(&missing));
        assert_eq!(order.len(), 42);
        assert_eq!(order[0], (0, "tx".to_owned()));
        assert!(
            order[1..21]
                .iter()
                .all(|(rank, h)| *rank == 1 && h.starts_with('t'))
        );
        assert_eq!(order[21], (2, "dx".to_owned()));
        assert!(
            order[22..]
                .iter()
                .all(|(rank, h)| *rank == 2 && h.starts_with('d'))
        );
    }

    #[test]
    fn every_thumbnail_goes_before_any_display_photo_each_blob_once() {
        let sets = [
            set(1, &[("d1", "t1"), ("d2", "t2")]),
            // Shares d2 with the first listing; its own d3 is on the server.
            set(2, &[("d3", "t3"), ("d2", "t2")]),
            set(3, &[("d4", "t4")]),
        ];
        let missing: HashSet<String> = ["d1", "t1", "d2", "t2", "t3", "d4", "t4"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        // Bytes to send: listing 1 220, listing 2 120 (t3, and d2 and t2
        // it shares with listing 1), listing 3 110.
        let order = upload_order(&sets, &missing, &sizes(&missing));
        let hashes: Vec<&str> = order.iter().map(|(_, h)| h.as_str()).collect();
        assert_eq!(hashes, ["t4", "t3", "t2", "t1", "d4", "d2", "d1"]);
        let ranks: Vec<usize> = order.iter().map(|(r, _)| *r).collect();
        assert_eq!(ranks, [0, 1, 1, 1, 2, 2, 2]);
        // Equal sizes: the sets' order (oldest change first).
        let even: HashMap<String, u64> = missing.iter().map(|h| (h.clone(), 1)).collect();
        let three = [
            set(1, &[("d1", "t1")]),
            set(2, &[("d2", "t2")]),
            set(3, &[("d4", "t4")]),
        ];
        let order = upload_order(&three, &missing, &even);
        let hashes: Vec<&str> = order.iter().map(|(_, h)| h.as_str()).collect();
        assert_eq!(hashes, ["t1", "t2", "t4", "d1", "d2", "d4"]);
        let ranks: Vec<usize> = order.iter().map(|(r, _)| *r).collect();
        assert_eq!(ranks, [0, 1, 1, 2, 2, 2]);
    }
}
