//! Photos of the listings: ask which blobs the server lacks (`asked.rs`),
//! upload those (`upload.rs`) in their order (`order.rs`), showing how far
//! they are (`shown.rs`), and set each listing's photo list (`lists.rs`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};
use store::PhotoSetToSend;
use url::Url;

mod asked;
mod lists;
mod order;
mod shown;

pub(crate) use asked::Asked;
pub(crate) use lists::set_photo_lists;
use lists::{announce, announceable, put_ready};
use order::DISPLAYS;
pub(crate) use order::{first_wave, thumbnails_only, upload_order};
pub(crate) use shown::UploadCounts;
use shown::{Shown, photos_sent};

use crate::engine::Report;
use crate::error::{Error, Result};
use crate::meter::ANSWER_HEAD;
use crate::pace::{Pace, UPLOADS_IN_FLIGHT};
use crate::push::endpoint;
use crate::{Engine, upload};

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

/// The file's bytes if it is there and still hashes to its name.
async fn read_checked(path: PathBuf, sha256: String) -> Result<Option<Vec<u8>>> {
    Ok(tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).ok()?;
        (hex::encode(Sha256::digest(&bytes)) == sha256).then_some(bytes)
    })
    .await?)
}
