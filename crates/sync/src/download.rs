//! Photos other laptops added: the blobs pulled listings name and this
//! laptop lacks (`Store::photo_downloads`), fetched from the public
//! `/photos/{sha256}.jpg` and kept only once their SHA-256 matches.
//!
//! A file only ever appears under its name whole and verified: the bytes
//! are checked in memory, written to a temporary file next to it, synced,
//! renamed, and the directory synced (as `photos::store` does). The
//! temporary file has a fixed name per blob, so one left by a kill is
//! overwritten by the next try.

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
}

/// Downloads wanted blobs until none is left, the link fails, or the pass
/// has received `Config::download_bytes_per_pass` (so a laptop catching up
/// on a whole catalog still pushes its own edits between batches). A
/// failed blob stays wanted for the next pass. Only store errors end the
/// pass with an error: a download never keeps listings from being pushed.
pub(crate) async fn download_wanted(
    engine: &Engine,
    base: &Url,
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
        for wanted in batch {
            if report.photo_bytes_received >= budget {
                report.photo_downloads_more = true;
                return Ok(());
            }
            let sha256 = wanted.sha256;
            tried.insert(sha256.clone());
            let failure = match download_one(engine, base, &root, &sha256).await? {
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
    let bytes = match fetch(engine, base, sha256).await {
        Ok(bytes) => bytes,
        Err(failure) => return Ok(Err(failure)),
    };
    let got = hex::encode(Sha256::digest(&bytes));
    if got != sha256 {
        return Ok(Err(Failure::Blob(format!(
            "received {} bytes hashing to {got}",
            bytes.len()
        ))));
    }
    let len = bytes.len() as u64;
    let written = tokio::task::spawn_blocking(move || write_atomically(&path, &bytes)).await?;
    Ok(match written {
        Ok(()) => Ok(len),
        // A full disk or a permission problem: nothing else will fare better.
        Err(e) => Err(Failure::Link(format!("cannot write the photo: {e}"))),
    })
}

/// The blob's bytes, read whole. The whole request may take long on a slow
/// link, but it is abandoned when no byte comes for `request_timeout`.
async fn fetch(engine: &Engine, base: &Url, sha256: &str) -> Result<Vec<u8>, Failure> {
    // Public, beside `/v1` (like `endpoint`, keeps a base URL's path).
    let url = Url::parse(&format!(
        "{}/photos/{sha256}.jpg",
        base.as_str().trim_end_matches('/')
    ))
    .map_err(|e| Failure::Blob(e.to_string()))?;
    let stall = engine.config.request_timeout;
    let link = |e: reqwest::Error| Failure::Link(e.to_string());
    let mut response = engine
        .client
        .get(url)
        .timeout(stall * 30)
        .send()
        .await
        .map_err(link)?;
    match response.status() {
        StatusCode::OK => {}
        status if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
            return Err(Failure::Link(format!("HTTP {status}")));
        }
        status => return Err(Failure::Blob(format!("HTTP {status}"))),
    }
    let mut bytes = Vec::with_capacity(
        response
            .content_length()
            .map_or(0, |n| usize::try_from(n).unwrap_or(0).min(MAX_BYTES)),
    );
    loop {
        let chunk = tokio::time::timeout(stall, response.chunk())
            .await
            .map_err(|_| Failure::Link(format!("no byte for {stall:?}")))?
            .map_err(link)?;
        let Some(chunk) = chunk else {
            return Ok(bytes);
        };
        if bytes.len() + chunk.len() > MAX_BYTES {
            return Err(Failure::Blob(format!("larger than {MAX_BYTES} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
}

/// Whether the file at `path` is there and hashes to `sha256`.
fn file_matches(path: &Path, sha256: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| hex::encode(Sha256::digest(&bytes)) == sha256)
}

/// Temporary file, fsync, rename, fsync of the directory: a crash leaves
/// either no file under `path` or the whole file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temp = temp_path(path);
    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        sync_dir(dir)?;
        if let Some(photos) = dir.parent() {
            sync_dir(photos)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
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
