//! Photo lists: `PUT /v1/listings/{id}/photos`, ahead of the photos
//! (`when_uploaded`) and once they are all there.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use protocol::{ListingPhoto, ListingPhotosRequest};
use reqwest::StatusCode;
use store::PhotoSetToSend;
use url::Url;

use super::{Progress, lock};
use crate::Engine;
use crate::engine::Report;
use crate::error::{Error, Result};
use crate::meter::ANSWER_HEAD;
use crate::push::{endpoint, unexpected};

/// Sets the photo lists of the sets that became ready.
pub(super) async fn put_ready(
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
pub(super) fn announceable(set: &PhotoSetToSend, failed: &HashSet<String>) -> bool {
    set.listing_live
        && set.photos.iter().all(|p| p.thumb.is_some())
        && !set.hashes().any(|h| failed.contains(h))
}

/// Sends the lists of `sets[indices]` ahead of their photos
/// (`when_uploaded`). Only a head start: whatever happens here, the `PUT`
/// after the uploads says where the list stands, so failures are logged.
pub(super) async fn announce(
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
            tracing::debug!(listing = %id, photos = %key, "photo list set on the marketplace; synced");
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
