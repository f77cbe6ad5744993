//! Photos of the listings: ask which blobs the server lacks, upload those
//! (`upload.rs`), and once a listing is on the server, set its photo list.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

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
use crate::push::{endpoint, unexpected};
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

/// Uploads every photo the server lacks among `sets`. Returns the hashes
/// that could not be sent for good this pass (file gone from the disk,
/// refused by the server); their listings' photos wait.
///
/// A network or server failure ends the pass: the run loop retries later
/// and the upload resumes where the server stands.
pub(crate) async fn upload_missing(
    engine: &Engine,
    base: &Url,
    token: &str,
    sets: &[PhotoSetToSend],
    report: &mut Report,
) -> Result<HashSet<String>> {
    let mut failed = HashSet::new();
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
    let mut missing = Vec::new();
    for batch in wanted.chunks(MAX_PHOTOS_MISSING) {
        missing.extend(ask_missing(engine, base, token, batch).await?);
    }
    let root = engine.photos_root().await?;
    for sha256 in missing {
        let path = photo_path(&root, &sha256);
        let bytes = match read_checked(path.clone(), sha256.clone()).await? {
            Some(bytes) => bytes,
            None => {
                tracing::warn!(%sha256, path = %path.display(), "photo file missing or damaged; not sent");
                failed.insert(sha256);
                continue;
            }
        };
        match upload::upload(engine, base, token, &sha256, &bytes).await {
            Ok(done) => {
                report.photos_uploaded += 1;
                report.photo_bytes_sent += done.bytes_sent;
                if done.resumed_from.is_some() {
                    report.uploads_resumed += 1;
                }
            }
            Err(e @ Error::Protocol(_)) => {
                tracing::warn!(%sha256, error = %e, "photo refused; its listing's photos wait");
                failed.insert(sha256);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(failed)
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
        };
        let url = endpoint(base, &format!("listings/{}/photos", set.listing_id))?;
        let response = engine
            .client
            .put(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => {
                let (id, key) = (set.listing_id, set.key.clone());
                engine
                    .with_store(move |s| s.mark_photos_synced(id, &key))
                    .await?;
                report.photo_lists_set += 1;
            }
            // Another laptop set this listing's photos since we last knew:
            // merge its list in; the next pass sends the merged one.
            StatusCode::PRECONDITION_FAILED => {
                let current: ListingPhotosRequest = response.json().await?;
                let hashes_ok = current.photos.iter().all(|p| {
                    crate::pull::is_sha256(&p.display) && crate::pull::is_sha256(&p.thumb)
                });
                if !hashes_ok {
                    return Err(Error::Protocol(
                        "the marketplace's photo list names a file that is not a SHA-256"
                            .to_owned(),
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
                report.photo_lists_merged += 1;
            }
            StatusCode::UNAUTHORIZED => {
                return Err(Error::Unauthorized("device token refused".to_owned()));
            }
            status if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
                return Err(unexpected(status));
            }
            // 404 (the server deleted the listing), 403, 413 (too many
            // photos), 422 (a blob went missing since `photos/missing`):
            // nothing to retry now; the set stays to send and is logged.
            status => {
                let body = response.text().await.unwrap_or_default();
                tracing::warn!(listing = %set.listing_id, %status, %body, "listing photos refused");
            }
        }
    }
    Ok(())
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
    let response = engine
        .client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    match response.status() {
        StatusCode::OK => Ok(response.json::<PhotosMissingResponse>().await?.missing),
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
