//! Photos other laptops added: the blobs pulled listings name and this
//! laptop lacks (`Store::photo_downloads`), fetched from the public
//! `/photos/{sha256}.jpg` and kept only once their SHA-256 matches.
//!
//! A file only ever appears under its name whole and verified: the bytes
//! go to a partial file next to it (`.<name>.download`), and only when it
//! is complete and hashes right is it synced, renamed, and the directory
//! synced (as `photos::store` does). A cut link or a kill leaves the
//! partial file; the next try asks the server for the rest (`Range`), so
//! a 2G link that drops every few hundred kilobytes still gets there. A
//! partial file that turns out wrong is thrown away and fetched again
//! from byte 0.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use url::Url;

use crate::Engine;
use crate::engine::Report;
use crate::error::Result;
use crate::photos::photo_path;
use crate::pull::is_sha256;

/// Blobs asked of the store at a time.
const BATCH: usize = 50;

/// Largest photo file accepted (the pipeline's displays are far smaller).
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// Why one download failed.
enum Failure {
    /// The link or the server failed: the others would too; stop the pass.
    Link(String),
    /// This blob is not to be had now (404, wrong bytes): go on with the others.
    Blob(String),
    /// The day's data budget ran out (part of the blob may have come).
    Budget,
}

/// Downloads wanted blobs until none is left, the link fails, or the pass
/// has received `Config::download_bytes_per_pass` (so a laptop catching up
/// on a whole catalog still pushes its own edits between batches). A
/// failed blob stays wanted for the next pass. Only store errors end the
/// pass with an error: a download never keeps listings from being pushed.
pub(crate) async fn download_wanted(
    engine: &Engine,
    base: &Url,
    token: &str,
    report: &mut Report,
) -> Result<()> {
    let root = engine.photos_root().await?;
    let budget = engine.config.download_bytes_per_pass;
    let mut tried = std::collections::HashSet::new();
    loop {
        // Blobs that failed this pass come back from the store: skip them.
        let limit = BATCH + tried.len();
        let batch = engine.with_store(move |s| s.photo_downloads(limit)).await?;
        let batch: Vec<_> = batch
            .into_iter()
            .filter(|d| !tried.contains(&d.sha256))
            .collect();
        if batch.is_empty() {
            return Ok(());
        }
        let holding = engine
            .holding_photos
            .load(std::sync::atomic::Ordering::Relaxed);
        for wanted in batch {
            if holding && !wanted.thumb {
                // A metered link: display-size photos wait (thumbnails come).
                tried.insert(wanted.sha256);
                continue;
            }
            if report.photo_bytes_received >= budget {
                report.photo_downloads_more = true;
                return Ok(());
            }
            let sha256 = wanted.sha256;
            tried.insert(sha256.clone());
            let failure = match download_one(engine, base, token, &root, &sha256).await? {
                Ok(bytes) => {
                    report.photo_bytes_received += bytes;
                    report.photos_downloaded += usize::from(bytes > 0);
                    let done = sha256.clone();
                    engine
                        .with_store(move |s| s.photo_downloaded(&done))
                        .await?;
                    continue;
                }
                Err(failure) => failure,
            };
            report.photo_downloads_failed += 1;
            let (message, stop) = match failure {
                Failure::Link(m) => (m, true),
                Failure::Blob(m) => (m, false),
                // What came stays in the partial file, for tomorrow.
                Failure::Budget => {
                    report.photo_downloads_failed -= 1;
                    return Err(crate::Error::BudgetReached);
                }
            };
            tracing::warn!(%sha256, error = %message, "photo download failed; tried again next pass");
            let failed = sha256.clone();
            engine
                .with_store(move |s| s.photo_download_failed(&failed, &message))
                .await?;
            if stop {
                return Ok(());
            }
        }
    }
}

/// Bytes received for the blob (0: its file was already here), or why not.
async fn download_one(
    engine: &Engine,
    base: &Url,
    token: &str,
    root: &Path,
    sha256: &str,
) -> Result<Result<u64, Failure>> {
    if !is_sha256(sha256) {
        return Ok(Err(Failure::Blob("not a SHA-256".to_owned())));
    }
    let path = photo_path(root, sha256);
    let expected = sha256.to_owned();
    let present = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || file_matches(&path, &expected)).await?
    };
    if present {
        return Ok(Ok(0));
    }
    let partial = temp_path(&path);
    let have = std::fs::metadata(&partial).map_or(0, |m| m.len());
    let mut received = match fetch_into(engine, base, token, sha256, &partial, have).await {
        Ok(received) => received,
        Err(failure) => return Ok(Err(failure)),
    };
    let mut check = verify_and_keep(partial.clone(), path.clone(), sha256.to_owned()).await?;
    if check.is_err() && have > 0 {
        // What an earlier try left was not a prefix of this photo (a kill
        // mid-write, another file): once more, from byte 0.
        let _ = std::fs::remove_file(&partial);
        received += match fetch_into(engine, base, token, sha256, &partial, 0).await {
            Ok(received) => received,
            Err(failure) => return Ok(Err(failure)),
        };
        check = verify_and_keep(partial.clone(), path, sha256.to_owned()).await?;
    }
    Ok(match check {
        Ok(()) => Ok(received),
        Err(failure) => {
            let _ = std::fs::remove_file(&partial);
            Err(failure)
        }
    })
}

/// Hashes the complete partial file; if right, syncs it and renames it to
/// `path` (then syncs the directories).
async fn verify_and_keep(
    partial: PathBuf,
    path: PathBuf,
    sha256: String,
) -> Result<Result<(), Failure>> {
    Ok(tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&partial).map_err(|e| Failure::Link(e.to_string()))?;
        let got = hex::encode(Sha256::digest(&bytes));
        if got != sha256 {
            return Err(Failure::Blob(format!(
                "received {} bytes hashing to {got}",
                bytes.len()
            )));
        }
        keep(&partial, &path)
            // A full disk or a permission problem: nothing else will fare better.
            .map_err(|e| Failure::Link(format!("cannot write the photo: {e}")))
    })
    .await?)
}

/// Appends the blob's bytes from `have` on to `partial` (all of them when
/// the server does not do ranges). Returns the bytes received. A stall of
/// `request_timeout` with no byte fails; what arrived stays for next time.
async fn fetch_into(
    engine: &Engine,
    base: &Url,
    token: &str,
    sha256: &str,
    partial: &Path,
    have: u64,
) -> Result<u64, Failure> {
    // Public, beside `/v1` (like `endpoint`, keeps a base URL's path).
    let url = Url::parse(&format!(
        "{}/photos/{sha256}.jpg",
        base.as_str().trim_end_matches('/')
    ))
    .map_err(|e| Failure::Blob(e.to_string()))?;
    let stall = engine.config.request_timeout;
    let link = |e: reqwest::Error| Failure::Link(e.to_string());
    // The token (the URL is the marketplace's own, built from `base`): a
    // photo of a listing not public yet (a draft, one in review) is served
    // only to its cooperative's devices.
    let mut request = engine
        .client
        .get(url)
        .bearer_auth(token)
        // The bytes as they are: counted as they come, hashed as they are.
        .header(reqwest::header::ACCEPT_ENCODING, "identity")
        .timeout(stall * 30);
    // With a daily budget, only the bytes it still allows.
    let allowed = match engine.meter.left() {
        None => None,
        Some(left) => match left.checked_sub(RANGE_OVERHEAD) {
            Some(n) if n >= MIN_RANGE => Some(n),
            _ => return Err(Failure::Budget),
        },
    };
    match allowed {
        Some(n) => {
            let last = have + n - 1;
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-{last}"));
        }
        None if have > 0 => {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        None => {}
    }
    let mut response = match engine.send(request, crate::meter::ANSWER_HEAD).await {
        Ok(response) => response,
        Err(crate::Error::BudgetReached) => return Err(Failure::Budget),
        Err(e) => return Err(Failure::Link(e.to_string())),
    };
    let chunked = crate::meter::is_chunked(&response);
    let total = content_range_total(response.headers());
    let append = match response.status() {
        StatusCode::PARTIAL_CONTENT => true,
        StatusCode::OK => false,
        // The partial file is already the whole photo (or more): check it.
        StatusCode::RANGE_NOT_SATISFIABLE => return Ok(0),
        status if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
            return Err(Failure::Link(format!("HTTP {status}")));
        }
        status => return Err(Failure::Blob(format!("HTTP {status}"))),
    };
    let io = |e: std::io::Error| Failure::Link(format!("cannot write the photo: {e}"));
    let mut file = open_partial(partial, append).map_err(io)?;
    let mut size = if append { have } else { 0 };
    let mut received = 0u64;
    loop {
        let chunk = tokio::time::timeout(stall, response.chunk())
            .await
            .map_err(|_| Failure::Link(format!("no byte for {stall:?}")))?
            .map_err(link)?;
        let Some(chunk) = chunk else {
            if chunked {
                engine.meter.received(5);
            }
            if total.is_some_and(|t| size < t) {
                // Cut at the budget's end: the rest waits in the partial file.
                return Err(Failure::Budget);
            }
            return Ok(received);
        };
        engine.meter.received_chunk(chunk.len(), chunked);
        size += chunk.len() as u64;
        if size > MAX_BYTES as u64 {
            return Err(Failure::Blob(format!("larger than {MAX_BYTES} bytes")));
        }
        file.write_all(&chunk).map_err(io)?;
        received += chunk.len() as u64;
    }
}

/// The partial file of a download: appended to when the answer goes on
/// from where it stopped (206), else emptied for the whole body (200).
pub(crate) fn open_partial(partial: &Path, append: bool) -> std::io::Result<File> {
    if let Some(dir) = partial.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(partial)
}

/// Bytes a ranged download costs beyond the photo's: its request and its
/// answer's head.
pub(crate) const RANGE_OVERHEAD: u64 = 512 + crate::meter::ANSWER_HEAD;

/// Fewest photo bytes worth asking for at the end of a day's budget.
const MIN_RANGE: u64 = 4 * 1024;

/// The whole blob's size from a `Content-Range: bytes a-b/total` answer.
pub(crate) fn content_range_total(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::CONTENT_RANGE)?
        .to_str()
        .ok()?
        .rsplit_once('/')?
        .1
        .parse()
        .ok()
}

/// Whether the file at `path` is there and hashes to `sha256`.
fn file_matches(path: &Path, sha256: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| hex::encode(Sha256::digest(&bytes)) == sha256)
}

/// fsync, rename, fsync of the directories: a crash leaves either no file
/// under `path` or the whole file.
fn keep(partial: &Path, path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // Written to, not only read: Windows flushes only a handle that may write.
    std::fs::OpenOptions::new()
        .write(true)
        .open(partial)?
        .sync_all()?;
    std::fs::rename(partial, path)?;
    sync_dir(dir)?;
    if let Some(photos) = dir.parent() {
        sync_dir(photos)?;
    }
    Ok(())
}

/// `.<name>.download` next to the file.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.download"))
}

/// Makes a rename in `dir` durable. Directories cannot be opened for
/// `fsync` on Windows, where `MoveFileEx` is already write-through enough.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
