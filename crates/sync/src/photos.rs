//! Photos of the listings: ask which blobs the server lacks, upload those
//! (`upload.rs`), and once a listing is on the server, set its photo list.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt as _;
use protocol::{
    ListingPhoto, ListingPhotosRequest, MAX_PHOTOS_MISSING, PhotosMissingRequest,
    PhotosMissingResponse,
};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use store::PhotoSetToSend;
use url::Url;

use crate::engine::Report;
use crate::error::{Error, Result};
use crate::meter::ANSWER_HEAD;
use crate::pace::{Pace, UPLOADS_IN_FLIGHT};
use crate::push::{endpoint, unexpected};
use crate::{Engine, ListingPhotos, Uploading, upload};

/// Where the JPEG with this SHA-256 lives: the same layout as
/// `photos::photo_path` (`<root>/photos/ab/abcdef….jpg`). Not a dependency
/// on the `photos` crate only for this: it would bring the image codecs.
pub fn photo_path(root: &Path, sha256: &str) -> PathBuf {
    let shard = sha256.get(..2).unwrap_or("00");
    root.join("photos")
        .join(shard)
        .join(format!("{sha256}.jpg"))
}

/// Opens the connections the uploads beyond the first two will use, with
/// tus's discovery request (`OPTIONS /v1/uploads`: no body, a few hundred
/// bytes each way). Only a head start: failures are ignored.
pub(crate) async fn warm_up(engine: &Engine, base: &Url) {
    let Ok(url) = endpoint(base, "uploads") else {
        return;
    };
    let ask = || async {
        let request = engine
            .client
            .request(reqwest::Method::OPTIONS, url.clone())
            .header("Tus-Resumable", "1.0.0");
        if let Ok(response) = engine.send(request, ANSWER_HEAD).await {
            // Read to the end, so the connection goes back to the pool.
            let _ = engine.text(response).await;
        }
    };
    futures_util::future::join_all((1..UPLOADS_IN_FLIGHT).map(|_| ask())).await;
}

/// The listings whose thumbnails go first (the smallest, in the order
/// [`upload_order`] takes them) and all their photos: about
/// [`FIRST_WAVE`] photos' worth, at least one listing. The server is asked
/// about these while the listings are pushed, about the rest while these
/// thumbnails go.
pub(crate) struct FirstWave {
    pub listings: HashSet<store::ListingId>,
    pub hashes: HashSet<String>,
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
            }
        }
    }
    Ok(wave)
}

/// What one [`upload_missing`] sends of the photos the server lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Only thumbnails (the first listings', while the server is asked
    /// about the others); not shown as uploads of their own: the `All`
    /// after them counts them in.
    Thumbnails,
    /// Everything; `since`: [`Pace::moved`] when an earlier `Thumbnails`
    /// of the same pass began (what went then is shown as sent).
    All { since: Option<u64> },
}

/// Which photos the server was asked about, and which of those it lacks.
#[derive(Debug, Default)]
pub(crate) struct Asked {
    pub hashes: HashSet<String>,
    pub missing: HashSet<String>,
}

impl Asked {
    /// The distinct photos `sets` name, in order.
    pub(crate) fn hashes_of(sets: &[PhotoSetToSend]) -> Vec<String> {
        let mut seen = HashSet::new();
        sets.iter()
            .flat_map(|s| s.hashes())
            .filter(|h| seen.insert(*h))
            .map(str::to_owned)
            .collect()
    }

    /// Both answers, less the thumbnails of `sent` (tried already: sent,
    /// or failed for good and counted so).
    pub(crate) fn and(mut self, other: Asked, sent: &[PhotoSetToSend]) -> Asked {
        self.hashes.extend(other.hashes);
        self.missing.extend(other.missing);
        for thumb in sent
            .iter()
            .flat_map(|s| s.photos.iter().filter_map(|p| p.thumb.as_deref()))
        {
            self.missing.remove(thumb);
        }
        self
    }

    /// `POST /v1/photos/missing` for `hashes`, in batches.
    pub(crate) async fn ask(
        engine: &Engine,
        base: &Url,
        token: &str,
        hashes: Vec<String>,
    ) -> Result<Asked> {
        let mut missing = HashSet::new();
        for batch in hashes.chunks(MAX_PHOTOS_MISSING) {
            missing.extend(ask_missing(engine, base, token, batch).await?);
        }
        Ok(Asked {
            hashes: hashes.into_iter().collect(),
            missing,
        })
    }
}

/// Uploads every photo the server lacks among `sets`, several at once
/// ([`UPLOADS_IN_FLIGHT`]), in [`upload_order`]: every listing's
/// thumbnails, then the display-size photos. A live listing's photo list
/// goes with its first upload (`when_uploaded`): the server shows it once
/// its thumbnails are there, and it is synced (set again here, 204) once
/// all its files are. Returns the hashes that could not be sent for
/// good this pass (file gone from the disk, refused by the server); their
/// listings' photos wait.
///
/// A network or server failure ends the pass: the run loop retries later
/// and the upload resumes where the server stands.
pub(crate) async fn upload_missing(
    engine: &Engine,
    base: &Url,
    token: &str,
    sets: &[PhotoSetToSend],
    asked: &Asked,
    scope: Scope,
    report: &mut Report,
) -> Result<HashSet<String>> {
    let mut failed = HashSet::new();
    let mut held_back = HashSet::new();
    let mut wanted: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for set in sets {
        for photo in &set.photos {
            if photo.thumb.is_none() {
                tracing::warn!(listing = %set.listing_id, sha256 = %photo.display, "photo has no thumbnail record; not sent");
                failed.insert(photo.display.clone());
            }
        }
        for hash in set.hashes() {
            if seen.insert(hash.to_owned()) {
                wanted.push(hash.to_owned());
            }
        }
    }
    // Asked already (while the listings were pushed): only what is new.
    wanted.retain(|h| !asked.hashes.contains(h));
    let mut missing = asked.missing.clone();
    missing.extend(Asked::ask(engine, base, token, wanted).await?.missing);
    let root = engine.photos_root().await?;
    let blob_bytes = blob_sizes(&root, missing.iter().cloned().collect()).await?;
    let mut jobs = upload_order(sets, &missing, &blob_bytes);
    if scope == Scope::Thumbnails {
        // Their display photos go in the next call, after every other
        // listing's thumbnails; the lists wait for them.
        (jobs, _) = thumbnails_only(sets, jobs);
    }
    if engine
        .holding_photos
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        // A metered link: thumbnails go, display-size photos wait (for an
        // unmetered link, or "send photos now"); so do their listings'
        // photo lists.
        let held;
        (jobs, held) = thumbnails_only(sets, jobs);
        report.photos_held += held.len();
        report.photo_bytes_held += held.iter().filter_map(|h| blob_bytes.get(h)).sum::<u64>();
        // Not failed: the list still goes ahead with the thumbnails (the
        // listing shows them); it is synced once these are sent too.
        held_back.extend(held);
    }
    // The files were measured once, above.
    let sizes: u64 = jobs.iter().filter_map(|(_, h)| blob_bytes.get(h)).sum();
    // Which of each set's blobs are still on their way.
    let mut waiting: Vec<HashSet<&str>> = sets
        .iter()
        .map(|s| s.hashes().filter(|h| missing.contains(*h)).collect())
        .collect();
    let state = Mutex::new(Progress {
        failed,
        report,
        ready: Vec::new(),
        announced: HashSet::new(),
        merged: HashSet::new(),
    });
    // Sets whose photos the server has already: their lists go first.
    for (i, w) in waiting.iter().enumerate() {
        if w.is_empty() {
            lock(&state).ready.push(i);
        }
    }
    put_ready(engine, base, token, sets, &state).await?;
    // What `Engine::uploading` shows while this runs; cleared however it ends.
    let _shown = match scope {
        Scope::All { since } => Some(Shown::start(engine, sets, &waiting, sizes, since)),
        Scope::Thumbnails => None,
    };
    let waiting = Mutex::new(&mut waiting);
    let pace = &*engine.pace;
    // The day's budget ran out: no new upload starts, but those in flight
    // finish their chunk (each set its bytes aside before sending) rather
    // than being dropped mid-request, which would spend bytes for nothing.
    let budget_spent = std::sync::atomic::AtomicBool::new(false);
    let job = |sha256: String| {
        let (root, state, waiting, budget_spent) = (&root, &state, &waiting, &budget_spent);
        async move {
            if budget_spent.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(());
            }
            // The first upload of a listing's photos takes its list
            // along, so the server sets it the moment its last thumbnail
            // is there (not after every listing's display photos).
            let to_announce = {
                let mut progress = lock(state);
                let waiting = waiting.lock().unwrap_or_else(|p| p.into_inner());
                let mut found = Vec::new();
                for (i, w) in waiting.iter().enumerate() {
                    if w.contains(sha256.as_str())
                        && announceable(&sets[i], &progress.failed)
                        && progress.announced.insert(i)
                    {
                        found.push(i);
                    }
                }
                found
            };
            let (sent, ()) = tokio::join!(
                send_one(engine, base, token, root, &sha256, pace),
                announce(engine, base, token, sets, &to_announce, state),
            );
            let sent = match sent {
                Err(Error::BudgetReached) => {
                    budget_spent.store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(());
                }
                sent => sent?,
            };
            {
                let mut progress = lock(state);
                match sent {
                    Some(done) => {
                        progress.report.photos_uploaded += 1;
                        progress.report.photo_bytes_sent += done.bytes_sent;
                        if done.resumed_from.is_some() {
                            progress.report.uploads_resumed += 1;
                        }
                    }
                    None => {
                        progress.failed.insert(sha256.clone());
                    }
                }
                let mut waiting = waiting.lock().unwrap_or_else(|p| p.into_inner());
                let mut shown = engine.uploading.lock().unwrap_or_else(|p| p.into_inner());
                for (i, w) in waiting.iter_mut().enumerate() {
                    if !w.remove(sha256.as_str()) {
                        continue;
                    }
                    if w.is_empty() {
                        progress.ready.push(i);
                    }
                    if let Some(shown) = shown.as_mut() {
                        shown.update(i, photos_sent(&sets[i], w, &progress.failed));
                    }
                }
            }
            put_ready(engine, base, token, sets, state).await
        }
    };
    // Several uploads at once keep the link full; a rank's uploads go
    // before the next rank's, which start only once fewer than two of the
    // earlier ones are still going (two keep the link full through each
    // other's round trips; a third from the next rank would only take a
    // share of the link from the listing about to go live). Display
    // photos start once no thumbnail is on its way: every listing is live
    // before the first of them.
    let mut queue: std::collections::VecDeque<(usize, String)> = jobs.into();
    let mut running = futures_util::stream::FuturesUnordered::new();
    let mut running_ranks: Vec<usize> = Vec::new();
    loop {
        while running.len() < UPLOADS_IN_FLIGHT
            && let Some((rank, _)) = queue.front()
            && running_ranks.iter().filter(|r| *r < rank).count()
                < if *rank >= DISPLAYS { 1 } else { 2 }
            && let Some((rank, sha256)) = queue.pop_front()
        {
            running_ranks.push(rank);
            let upload = job(sha256);
            running.push(async move { (rank, upload.await) });
        }
        let Some((rank, result)) = running.next().await else {
            break;
        };
        if let Some(at) = running_ranks.iter().position(|r| *r == rank) {
            running_ranks.swap_remove(at);
        }
        result?;
    }
    drop(running);
    if budget_spent.into_inner() {
        return Err(Error::BudgetReached);
    }
    let mut progress = state.into_inner().unwrap_or_else(|p| p.into_inner());
    progress.failed.extend(held_back);
    Ok(progress.failed)
}

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
    fn update(&mut self, set: usize, sent: u32) {
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
struct Shown<'e> {
    engine: &'e Engine,
}

impl<'e> Shown<'e> {
    fn start(
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
fn photos_sent(set: &PhotoSetToSend, waiting: &HashSet<&str>, failed: &HashSet<String>) -> u32 {
    let there = |h: &str| !waiting.contains(h) && !failed.contains(h);
    let sent = set
        .photos
        .iter()
        .filter(|p| there(&p.display) && p.thumb.as_deref().is_some_and(there))
        .count();
    u32::try_from(sent).unwrap_or(u32::MAX)
}

/// The bytes of the photo files of every photo set still to send (each
/// file once; some may be on the server already).
pub(crate) async fn bytes_waiting(engine: &Engine) -> Result<u64> {
    let sets = engine.with_store(|s| s.photo_sets_to_send()).await?;
    let hashes = Asked::hashes_of(&sets);
    file_sizes(&engine.photos_root().await?, &hashes).await
}

/// Each of these photo files' bytes (a file gone counts 0).
async fn blob_sizes(root: &Path, hashes: Vec<String>) -> Result<HashMap<String, u64>> {
    let root = root.to_owned();
    Ok(tokio::task::spawn_blocking(move || {
        hashes
            .into_iter()
            .map(|h| {
                let size = std::fs::metadata(photo_path(&root, &h)).map_or(0, |m| m.len());
                (h, size)
            })
            .collect()
    })
    .await?)
}

/// The bytes of these photo files (a file gone counts 0: it will not go).
async fn file_sizes(root: &Path, hashes: &[String]) -> Result<u64> {
    let paths: Vec<PathBuf> = hashes.iter().map(|h| photo_path(root, h)).collect();
    Ok(tokio::task::spawn_blocking(move || {
        paths
            .iter()
            .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
            .sum()
    })
    .await?)
}

/// What the concurrent uploads share.
struct Progress<'a> {
    failed: HashSet<String>,
    report: &'a mut Report,
    /// Sets whose blobs are all on the server now, lists not yet set.
    ready: Vec<usize>,
    /// Sets whose list went ahead of their uploads (`when_uploaded`).
    announced: HashSet<usize>,
    /// Sets another laptop changed meanwhile: merged, sent next pass.
    merged: HashSet<usize>,
}

fn lock<'m, 'a>(state: &'m Mutex<Progress<'a>>) -> std::sync::MutexGuard<'m, Progress<'a>> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The rank of display photos in [`upload_order`].
const DISPLAYS: usize = 2;

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

/// Reads and uploads one blob. `None`: it cannot be sent for good (file
/// gone or damaged, refused by the server).
async fn send_one(
    engine: &Engine,
    base: &Url,
    token: &str,
    root: &Path,
    sha256: &str,
    pace: &Pace,
) -> Result<Option<upload::Uploaded>> {
    let path = photo_path(root, sha256);
    let Some(bytes) = read_checked(path.clone(), sha256.to_owned()).await? else {
        tracing::warn!(%sha256, path = %path.display(), "photo file missing or damaged; not sent");
        return Ok(None);
    };
    match upload::upload(engine, base, token, sha256, &bytes, pace).await {
        Ok(done) => Ok(Some(done)),
        Err(e @ Error::Protocol(_)) => {
            tracing::warn!(%sha256, error = %e, "photo refused; its listing's photos wait");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Sets the photo lists of the sets that became ready.
async fn put_ready(
    engine: &Engine,
    base: &Url,
    token: &str,
    sets: &[PhotoSetToSend],
    state: &Mutex<Progress<'_>>,
) -> Result<()> {
    loop {
        let (index, failed) = {
            let mut progress = lock(state);
            let Some(index) = progress.ready.pop() else {
                return Ok(());
            };
            let set = &sets[index];
            let failed = set.hashes().any(|h| progress.failed.contains(h));
            (index, failed)
        };
        let set = &sets[index];
        if failed || !announceable(set, &HashSet::new()) || lock(state).merged.contains(&index) {
            continue;
        }
        let put = put_list(engine, base, token, set, false).await?;
        let mut progress = lock(state);
        match put {
            Put::Set => progress.report.photo_lists_set += 1,
            Put::Merged => progress.report.photo_lists_merged += 1,
            Put::Refused | Put::Kept => {}
        }
    }
}

/// Whether a set's list may go to the server once its photos are there:
/// its listing is there, every photo has its thumbnail, none failed.
fn announceable(set: &PhotoSetToSend, failed: &HashSet<String>) -> bool {
    set.listing_live
        && set.photos.iter().all(|p| p.thumb.is_some())
        && !set.hashes().any(|h| failed.contains(h))
}

/// Sends the lists of `sets[indices]` ahead of their photos
/// (`when_uploaded`). Only a head start: whatever happens here, the `PUT`
/// after the uploads says where the list stands, so failures are logged.
async fn announce(
    engine: &Engine,
    base: &Url,
    token: &str,
    sets: &[PhotoSetToSend],
    indices: &[usize],
    state: &Mutex<Progress<'_>>,
) {
    for &index in indices {
        match put_list(engine, base, token, &sets[index], true).await {
            Ok(Put::Merged) => {
                let mut progress = lock(state);
                progress.merged.insert(index);
                progress.report.photo_lists_merged += 1;
            }
            Ok(Put::Set | Put::Kept | Put::Refused) => {}
            Err(e) => {
                tracing::info!(listing = %sets[index].listing_id, error = %e, "photo list not sent ahead; it goes after the photos");
            }
        }
    }
}

/// Sets the photos of each listing the server has, unless one of its
/// photos could not be sent.
pub(crate) async fn set_photo_lists(
    engine: &Engine,
    base: &Url,
    token: &str,
    sets: &[PhotoSetToSend],
    failed: &HashSet<String>,
    report: &mut Report,
) -> Result<()> {
    for set in sets.iter().filter(|s| s.listing_live) {
        if set.hashes().any(|h| failed.contains(h)) || set.photos.iter().any(|p| p.thumb.is_none())
        {
            continue;
        }
        match put_list(engine, base, token, set, false).await? {
            Put::Set => report.photo_lists_set += 1,
            Put::Merged => report.photo_lists_merged += 1,
            Put::Refused | Put::Kept => {}
        }
    }
    Ok(())
}

/// What setting one listing's photo list came to.
enum Put {
    Set,
    /// Another laptop had changed it: merged here, sent next pass.
    Merged,
    /// Refused for now (logged); the set stays to send.
    Refused,
    /// Kept by the server until its photos arrive (`when_uploaded`).
    Kept,
}

/// What a photo list's answer may cost: a 412 carries the server's list.
const LIST_ANSWER: u64 = ANSWER_HEAD + 16 * 1024;

/// Tries a `PUT` this many times when it fails on the way (a cut link).
const PUT_ATTEMPTS: u32 = 3;

/// `PUT /v1/listings/{id}/photos`, with the list this laptop last knew the
/// server to have as `expected`; `when_uploaded`: ahead of its photos.
async fn put_list(
    engine: &Engine,
    base: &Url,
    token: &str,
    set: &PhotoSetToSend,
    when_uploaded: bool,
) -> Result<Put> {
    let body = ListingPhotosRequest {
        photos: set
            .photos
            .iter()
            .map(|p| ListingPhoto {
                display: p.display.clone(),
                thumb: p.thumb.clone().unwrap_or_default(),
            })
            .collect(),
        expected: Some(set.synced.clone()),
        when_uploaded,
    };
    let url = endpoint(base, &format!("listings/{}/photos", set.listing_id))?;
    let mut attempt = 0;
    let response = loop {
        attempt += 1;
        let request = engine
            .client
            .put(url.clone())
            .bearer_auth(token)
            .json(&body);
        match engine.send(request, LIST_ANSWER).await {
            Ok(response) => break response,
            // Ahead of the photos, once: the `PUT` after them follows anyway.
            Err(e) if when_uploaded => return Err(e),
            // Sent again as it was: if the first one was applied, the
            // server's list is now this one, and the answer a 412 with it.
            Err(e @ Error::Network(_)) if attempt < PUT_ATTEMPTS => {
                tracing::info!(listing = %set.listing_id, error = %e, "photo list not sent; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    };
    match response.status() {
        StatusCode::ACCEPTED if when_uploaded => Ok(Put::Kept),
        StatusCode::NO_CONTENT | StatusCode::OK => {
            let (id, key) = (set.listing_id, set.key.clone());
            engine
                .with_store(move |s| s.mark_photos_synced(id, &key))
                .await?;
            Ok(Put::Set)
        }
        // Another laptop set this listing's photos since we last knew:
        // merge its list in; the next pass sends the merged one.
        StatusCode::PRECONDITION_FAILED => {
            let current: ListingPhotosRequest = engine.json(response).await?;
            let hashes_ok = current
                .photos
                .iter()
                .all(|p| crate::pull::is_sha256(&p.display) && crate::pull::is_sha256(&p.thumb));
            if !hashes_ok {
                return Err(Error::Protocol(
                    "the marketplace's photo list names a file that is not a SHA-256".to_owned(),
                ));
            }
            let server: Vec<store::PulledPhoto> = current
                .photos
                .into_iter()
                .map(|p| store::PulledPhoto {
                    display: p.display,
                    thumb: p.thumb,
                })
                .collect();
            let id = set.listing_id;
            let now = engine.clock.now_ms();
            engine
                .with_store(move |s| s.take_server_photos(id, &server, now))
                .await?;
            tracing::info!(listing = %id, "photos changed on the marketplace meanwhile; merged");
            Ok(Put::Merged)
        }
        StatusCode::UNAUTHORIZED => Err(Error::Unauthorized("device token refused".to_owned())),
        status if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
            Err(unexpected(status))
        }
        // 404 (the server deleted the listing), 403, 413 (too many
        // photos), 422 (a blob went missing since `photos/missing`):
        // nothing to retry now; the set stays to send and is logged.
        status => {
            let body = engine.text(response).await;
            tracing::warn!(listing = %set.listing_id, %status, %body, "listing photos refused");
            Ok(Put::Refused)
        }
    }
}

async fn ask_missing(
    engine: &Engine,
    base: &Url,
    token: &str,
    hashes: &[String],
) -> Result<Vec<String>> {
    let url = endpoint(base, "photos/missing")?;
    let body = PhotosMissingRequest {
        hashes: hashes.to_vec(),
    };
    // The answer names at most the hashes asked about (65 bytes each).
    let answer = ANSWER_HEAD + 70 * hashes.len() as u64;
    let response = engine
        .send(
            engine.client.post(url).bearer_auth(token).json(&body),
            answer,
        )
        .await?;
    match response.status() {
        StatusCode::OK => Ok(engine
            .json::<PhotosMissingResponse>(response)
            .await?
            .missing),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(Error::Unauthorized("device token refused".to_owned()))
        }
        status => Err(unexpected(status)),
    }
}

/// The file's bytes if it is there and still hashes to its name.
async fn read_checked(path: PathBuf, sha256: String) -> Result<Option<Vec<u8>>> {
    Ok(tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).ok()?;
        (hex::encode(Sha256::digest(&bytes)) == sha256).then_some(bytes)
    })
    .await?)
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
