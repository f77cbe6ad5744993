//! A tus 1.0 client for one photo (core + creation + creation-with-upload +
//! checksum + expiration + termination; <https://tus.io/protocols/resumable-upload>).
//!
//! The first chunk rides in the creating `POST` (creation-with-upload:
//! one round trip less per photo); the upload URL it answers is stored at
//! once, so a restart (or a power cut) resumes the same upload: a `HEAD`
//! says how many bytes the server counted and the rest follows in chunks,
//! each with its SHA-256. A cut during the `POST` costs that one chunk, as
//! a cut during any chunk does.
//! Of a chunk cut off mid-way the marketplace keeps what arrived (other tus
//! servers may keep nothing); after any failure the client asks again with
//! `HEAD` and continues from there. An upload
//! the server no longer knows (404/410: expired) is created again.

use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use sha2::{Digest, Sha256};
use tokio::time::Instant;
use url::Url;

use crate::Engine;
use crate::error::{Error, Result};
use crate::meter::ANSWER_HEAD;
use crate::pace::Pace;
use crate::push::{endpoint, unexpected};

const TUS_RESUMABLE: &str = "Tus-Resumable";
const TUS_VERSION: &str = "1.0.0";
const UPLOAD_OFFSET: &str = "Upload-Offset";
const UPLOAD_LENGTH: &str = "Upload-Length";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Failed attempts in a row, without a byte of progress, before this pass
/// gives up on the upload (the run loop's backoff takes over).
const MAX_STALLS: u32 = 3;
/// Times one pass creates the upload anew after the server dropped it.
const MAX_CREATIONS: u32 = 3;
/// Wait before asking again after a request failed on the way.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// What sending one photo took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uploaded {
    /// Bytes of the photo put on the wire in PATCH bodies (a chunk cut off
    /// and sent again counts twice).
    pub bytes_sent: u64,
    /// The offset a stored or interrupted upload resumed from, if it did.
    pub resumed_from: Option<u64>,
}

/// Sends `bytes` (whose SHA-256 is `sha256`, lowercase hex) to the server,
/// resuming the upload stored for it if there is one. Chunks are sized by
/// `pace` (the link's measured rate), which they feed in turn.
///
/// A request that fails on the way (the link cut, a stall past the
/// timeout) does not end the upload at once: it asks the server where it
/// stands and goes on, until [`MAX_STALLS`] attempts in a row moved nothing.
pub(crate) async fn upload(
    engine: &Engine,
    base: &Url,
    token: &str,
    sha256: &str,
    bytes: &[u8],
    pace: &Pace,
) -> Result<Uploaded> {
    let length = bytes.len() as u64;
    let key = sha256.to_owned();
    let stored = engine
        .with_store(move |s| s.photo_upload_url(&key))
        .await?
        .and_then(|u| Url::parse(&u).ok())
        // Never send the token elsewhere (an upload stored before the
        // marketplace moved, say): start a new upload instead.
        .filter(|u| crate::same_origin(u, base));
    // Bytes a stored upload already has were sent by an earlier pass.
    let mut from_earlier = stored.is_some();
    let mut location = stored;
    let mut done = Uploaded::default();
    let mut creations = 0;
    let mut stalls = 0;
    loop {
        let (url, offset) = match location.clone() {
            Some(url) => match retried(head(engine, token, &url).await, &mut stalls)? {
                None => {
                    pause().await;
                    continue;
                }
                Some(Some(offset)) => {
                    if offset > 0 && done.resumed_from.is_none() {
                        done.resumed_from = Some(offset);
                    }
                    if std::mem::take(&mut from_earlier) {
                        pace.found(offset);
                    }
                    (url, offset)
                }
                Some(None) => {
                    tracing::info!(%sha256, %url, "upload gone on the server; creating it again");
                    forget(engine, sha256).await?;
                    location = None;
                    continue;
                }
            },
            None => {
                creations += 1;
                if creations > MAX_CREATIONS {
                    return Err(Error::Protocol(format!(
                        "the upload of photo {sha256} was dropped {MAX_CREATIONS} times"
                    )));
                }
                // creation-with-upload: the first chunk rides in the POST.
                let cap = engine
                    .chunk_bytes
                    .load(Ordering::Relaxed)
                    .clamp(1, engine.config.upload_chunk_bytes.max(1));
                let want = pace.chunk(Instant::now(), cap).min(bytes.len());
                let first = &bytes[..affordable(engine, want)?];
                done.bytes_sent += first.len() as u64;
                pace.sending(Instant::now());
                let Some((url, offset)) = retried(
                    create(engine, base, token, sha256, length, first).await,
                    &mut stalls,
                )?
                else {
                    creations -= 1;
                    pause().await;
                    continue;
                };
                pace.acked(Instant::now(), offset);
                from_earlier = false;
                let (key, stored_url, now) =
                    (sha256.to_owned(), url.to_string(), engine.clock.now_ms());
                engine
                    .with_store(move |s| s.set_photo_upload_url(&key, &stored_url, now))
                    .await?;
                location = Some(url.clone());
                (url, offset)
            }
        };
        if offset > length {
            return Err(Error::Protocol(format!(
                "the server holds {offset} bytes of a {length}-byte photo"
            )));
        }
        let before = done.bytes_sent;
        match patch_from(engine, token, &url, offset, bytes, &mut done, pace).await? {
            Patched::Complete => {
                forget(engine, sha256).await?;
                tracing::info!(%sha256, length, sent = done.bytes_sent, resumed_from = ?done.resumed_from, "photo uploaded");
                return Ok(done);
            }
            Patched::Gone => {
                forget(engine, sha256).await?;
                location = None;
            }
            Patched::Interrupted { at, error } => {
                // Progress resets the count: a bad link that still moves
                // chunks keeps going.
                if at > offset {
                    stalls = 0;
                } else {
                    stalls += 1;
                }
                tracing::info!(%sha256, at, sent = done.bytes_sent - before, error = %error, "upload interrupted; asking the server where it stands");
                if stalls >= MAX_STALLS {
                    return Err(error);
                }
            }
        }
    }
}

/// Waits a `Retry-After` asks for, at most, in a row for one upload.
const MAX_BUSY_WAITS: u32 = 10;

/// Longest `Retry-After` waited within a pass: a longer one fails the
/// pass (the run loop comes back later).
const MAX_BUSY_WAIT: Duration = Duration::from_secs(60);

/// A 429's `Retry-After` in seconds, if it is one to wait within the pass.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds.max(1))).filter(|w| *w <= MAX_BUSY_WAIT)
}

/// A breath before asking again.
async fn pause() {
    tokio::time::sleep(RETRY_PAUSE).await;
}

/// A `HEAD` or `POST` that failed on the way (or was refused for a passing
/// reason: 408, 429, 5xx) counts as an attempt that moved nothing:
/// `Ok(None)` to try again (after a breath), the error once [`MAX_STALLS`]
/// such attempts came in a row.
fn retried<T>(result: Result<T>, stalls: &mut u32) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        // Cut on the way, or a passing refusal (a 408 after a silent link,
        // a 5xx): ask again.
        Err(error @ (Error::Network(_) | Error::Server { .. })) => {
            *stalls += 1;
            if *stalls >= MAX_STALLS {
                return Err(error);
            }
            tracing::info!(error = %error, "upload request failed on the way; trying again");
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

async fn forget(engine: &Engine, sha256: &str) -> Result<()> {
    let key = sha256.to_owned();
    engine
        .with_store(move |s| s.forget_photo_upload(&key))
        .await
}

/// `POST /v1/uploads` carrying the photo's `first` bytes (tus
/// creation-with-upload): the new upload's URL and how many bytes the
/// server took (0 from a server without the extension, which ignores the
/// body, or one that refused the chunk: the PATCHes start over from 0).
async fn create(
    engine: &Engine,
    base: &Url,
    token: &str,
    sha256: &str,
    length: u64,
    first: &[u8],
) -> Result<(Url, u64)> {
    let url = endpoint(base, "uploads")?;
    let metadata = format!("sha256 {}", BASE64.encode(sha256));
    let checksum = format!("sha256 {}", BASE64.encode(Sha256::digest(first)));
    let mut waits = 0;
    let response = loop {
        let request = engine
            .client
            .post(url.clone())
            .bearer_auth(token)
            .header(TUS_RESUMABLE, TUS_VERSION)
            .header(UPLOAD_LENGTH, length)
            .header("Upload-Metadata", metadata.clone())
            .header(CONTENT_TYPE, OFFSET_OCTET_STREAM)
            .header("Upload-Checksum", checksum.clone())
            .body(first.to_vec());
        let response = engine.send(request, ANSWER_HEAD).await?;
        // The cooperative started uploads faster than the marketplace
        // allows: wait as long as it says and ask again (within the pass:
        // failing it would start the whole pass over).
        if response.status() == StatusCode::TOO_MANY_REQUESTS
            && waits < MAX_BUSY_WAITS
            && let Some(wait) = retry_after(response.headers())
        {
            waits += 1;
            let _ = engine.text(response).await;
            tracing::info!(
                wait_s = wait.as_secs(),
                "the marketplace asks to wait before the next upload"
            );
            tokio::time::sleep(wait).await;
            continue;
        }
        break response;
    };
    match response.status() {
        StatusCode::CREATED => {}
        status => return Err(refused(engine, status, response).await),
    }
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::Protocol("an upload was created without a Location".to_owned()))?;
    let upload = url
        .join(location)
        .map_err(|_| Error::Protocol(format!("the upload Location `{location}` is not a URL")))?;
    // The token goes only to the marketplace's own origin.
    if !crate::same_origin(&upload, base) {
        return Err(Error::Protocol(format!(
            "the upload Location `{location}` points away from the marketplace"
        )));
    }
    let offset = offset_of(response.headers()).unwrap_or(0);
    if offset > first.len() as u64 {
        return Err(Error::Protocol(format!(
            "sent {} bytes at creation, the server says it has {offset}",
            first.len()
        )));
    }
    Ok((upload, offset))
}

/// `HEAD`: the server's offset, or `None` when it no longer knows the upload.
async fn head(engine: &Engine, token: &str, url: &Url) -> Result<Option<u64>> {
    let request = engine
        .client
        .head(url.clone())
        .bearer_auth(token)
        .header(TUS_RESUMABLE, TUS_VERSION);
    let response = engine.send(request, ANSWER_HEAD).await?;
    match response.status() {
        StatusCode::OK | StatusCode::NO_CONTENT => offset_of(response.headers()).map(Some),
        StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
        status => Err(refused(engine, status, response).await),
    }
}

enum Patched {
    /// The server has every byte (and checked the whole file).
    Complete,
    /// The server no longer knows the upload.
    Gone,
    /// Stopped at `at` (the last offset the server confirmed).
    Interrupted { at: u64, error: Error },
}

/// PATCHes `bytes[offset..]` in chunks of the configured size.
async fn patch_from(
    engine: &Engine,
    token: &str,
    url: &Url,
    mut offset: u64,
    bytes: &[u8],
    done: &mut Uploaded,
    pace: &Pace,
) -> Result<Patched> {
    let length = bytes.len() as u64;
    let max_chunk = engine.config.upload_chunk_bytes.max(1);
    while offset < length {
        // The measured rate sizes the chunk; timeouts cap it.
        let cap = engine
            .chunk_bytes
            .load(Ordering::Relaxed)
            .clamp(1, max_chunk);
        let chunk_size = affordable(engine, pace.chunk(Instant::now(), cap))? as u64;
        let end = (offset + chunk_size).min(length);
        let chunk = &bytes[offset as usize..end as usize];
        let checksum = format!("sha256 {}", BASE64.encode(Sha256::digest(chunk)));
        done.bytes_sent += chunk.len() as u64;
        pace.sending(Instant::now());
        let request = engine
            .client
            .patch(url.clone())
            .bearer_auth(token)
            .header(TUS_RESUMABLE, TUS_VERSION)
            .header(UPLOAD_OFFSET, offset)
            .header(CONTENT_TYPE, OFFSET_OCTET_STREAM)
            .header("Upload-Checksum", checksum)
            .body(chunk.to_vec());
        let response = match engine.send(request, ANSWER_HEAD).await {
            Ok(response) => response,
            Err(Error::Network(e)) => {
                if e.is_timeout() {
                    let smaller = adapt_chunk(chunk_size as usize, max_chunk, Chunk::TimedOut);
                    engine.chunk_bytes.store(smaller, Ordering::Relaxed);
                    tracing::info!(
                        chunk_bytes = smaller,
                        "chunk timed out; sending smaller ones"
                    );
                }
                return Ok(Patched::Interrupted {
                    at: offset,
                    error: e.into(),
                });
            }
            // The day's budget, or a request that could not be built.
            Err(e) => return Err(e),
        };
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => {
                let next = offset_of(response.headers())?;
                if next != end {
                    return Ok(Patched::Interrupted {
                        at: offset,
                        error: Error::Protocol(format!(
                            "sent bytes {offset}..{end}, the server says it has {next}"
                        )),
                    });
                }
                pace.acked(Instant::now(), next - offset);
                offset = next;
                let _ =
                    engine
                        .chunk_bytes
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| {
                            Some(adapt_chunk(c, max_chunk, Chunk::Sent))
                        });
            }
            StatusCode::NOT_FOUND | StatusCode::GONE => return Ok(Patched::Gone),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(Error::Unauthorized("device token refused".to_owned()));
            }
            // 409: the server stands elsewhere; 460: the chunk arrived
            // damaged (or, for the last one, the whole file did not match and
            // the upload is gone); 5xx: a passing problem. Ask, then go on.
            status => {
                return Ok(Patched::Interrupted {
                    at: offset,
                    error: refused(engine, status, response).await,
                });
            }
        }
    }
    Ok(Patched::Complete)
}

/// A request's line and headers, and its answer's: what a chunk costs
/// beyond its bytes (a tus `PATCH` with its checksum is about 450 bytes).
const CHUNK_OVERHEAD: u64 = 1024 + ANSWER_HEAD;

/// Smallest chunk worth sending at the end of a day's budget.
const LAST_CHUNK_MIN: usize = 4 * 1024;

/// `want` bytes, or fewer to stay within the day's budget;
/// [`Error::BudgetReached`] when not even a small chunk fits.
fn affordable(engine: &Engine, want: usize) -> Result<usize> {
    let Some(left) = engine.meter.left() else {
        return Ok(want);
    };
    let fits = usize::try_from(left.saturating_sub(CHUNK_OVERHEAD)).unwrap_or(usize::MAX);
    if fits < want.min(LAST_CHUNK_MIN) {
        return Err(Error::BudgetReached);
    }
    Ok(want.min(fits))
}

/// Smallest chunk sent, however slow the link.
pub(crate) const MIN_CHUNK_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// Got through in time.
    Sent,
    /// Did not get through within the request timeout.
    TimedOut,
}

/// The next chunk size: halved (not below [`MIN_CHUNK_BYTES`]) after a
/// timeout, so a link too slow for the configured size still moves; grown
/// back by an eighth after each chunk that got through, up to `max`. Pure.
pub(crate) fn adapt_chunk(current: usize, max: usize, last: Chunk) -> usize {
    let floor = MIN_CHUNK_BYTES.min(max);
    match last {
        Chunk::TimedOut => (current / 2).max(floor),
        Chunk::Sent => current.saturating_add(current / 8).clamp(floor, max),
    }
}

fn offset_of(headers: &HeaderMap) -> Result<u64> {
    headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Error::Protocol("a tus answer without Upload-Offset".to_owned()))
}

/// The error for an answer that was not the expected one, with the server's
/// message in the log.
async fn refused(engine: &Engine, status: StatusCode, response: Response) -> Error {
    let body = engine.text(response).await;
    tracing::warn!(%status, body = %body.chars().take(300).collect::<String>(), "upload refused");
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Error::Unauthorized("device token refused".to_owned())
        }
        status => unexpected(status),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;

    use super::retried;
    use crate::error::Error;
    use crate::push::unexpected;

    /// A creation `POST` the server timed out on (the link went silent
    /// mid-body: 408) is asked again, not taken as a refusal of the photo.
    #[test]
    fn passing_refusals_are_tried_again_and_real_ones_are_not() {
        let mut stalls = 0;
        for status in [
            StatusCode::REQUEST_TIMEOUT,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::TOO_MANY_REQUESTS,
        ] {
            let again = retried::<()>(Err(unexpected(status)), &mut stalls);
            assert!(matches!(again, Ok(None)), "{status}: {again:?}");
            stalls = 0;
        }
        let refused = retried::<()>(
            Err(unexpected(StatusCode::UNPROCESSABLE_ENTITY)),
            &mut stalls,
        );
        assert!(matches!(refused, Err(Error::Protocol(_))), "{refused:?}");
        let mut stalls = 2;
        let given_up = retried::<()>(Err(unexpected(StatusCode::REQUEST_TIMEOUT)), &mut stalls);
        assert!(
            matches!(given_up, Err(Error::Server { status: 408 })),
            "{given_up:?}"
        );
    }
}
