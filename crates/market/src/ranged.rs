//! A blob of the store as an HTTP answer: its `ETag` revalidated
//! (`If-None-Match`), one `Range` honoured (a download cut mid-file goes on
//! from where it stopped), the bytes streamed in pieces. Photos
//! (`photos.rs`) and the app's packages (`app_update.rs`) are served
//! through [`respond`].

use axum::http::header::{
    ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, ETAG, HeaderName, IF_NONE_MATCH, RANGE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::blobs::BlobStore;
use crate::error::Result;

/// What to serve: a blob the database says the store holds.
pub(crate) struct Blob {
    /// Its key in the store (`blobs::photo_key`, `blobs::release_key`).
    pub key: String,
    /// Its length, as recorded.
    pub size: u64,
    /// Quoted, as the header carries it: `"abcd…"`.
    pub etag: String,
    /// Sent with every answer but a 416: `Content-Type`, `Cache-Control`…
    /// (`ETag` and `Accept-Ranges` are added).
    pub headers: Vec<(HeaderName, String)>,
}

/// The answer to a `GET` (or `HEAD`) of `blob`: 304 if `If-None-Match`
/// names it, 206 for one satisfiable `Range`, 416 for an unsatisfiable one,
/// else 200 with all of it. `None` if the store lacks the blob (logged:
/// the database said it was there).
pub(crate) async fn respond(
    store: &BlobStore,
    blob: Blob,
    request: &HeaderMap,
) -> Result<Option<Response>> {
    let Blob {
        key,
        size: total,
        etag,
        mut headers,
    } = blob;
    let revalidating = request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    headers.push((ETAG, etag));
    headers.push((ACCEPT_RANGES, "bytes".to_owned()));
    let common = || {
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            if let Ok(value) = HeaderValue::try_from(value.as_str()) {
                map.insert(name.clone(), value);
            }
        }
        map
    };
    if revalidating {
        return Ok(Some((StatusCode::NOT_MODIFIED, common()).into_response()));
    }
    let range = request
        .get(RANGE)
        .map(|v| byte_range(v.to_str().unwrap_or(""), total));
    let (status, start, end) = match range {
        // No range, or one this server does not read (several ranges):
        // the whole blob, as HTTP allows.
        None | Some(Range::Ignored) => (StatusCode::OK, 0, total.saturating_sub(1)),
        Some(Range::Unsatisfiable) => {
            return Ok(Some(
                (
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    [(CONTENT_RANGE, format!("bytes */{total}"))],
                )
                    .into_response(),
            ));
        }
        Some(Range::Bytes(start, end)) => (StatusCode::PARTIAL_CONTENT, start, end),
    };
    if total == 0 {
        return Ok(Some(
            (StatusCode::OK, common(), Vec::<u8>::new()).into_response(),
        ));
    }
    let Some(body) = store.stream(&key, (start, end)).await? else {
        tracing::error!(%key, "a recorded blob is missing from the blob store");
        return Ok(None);
    };
    let mut response = (status, common(), body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(end + 1 - start));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(value) = HeaderValue::try_from(format!("bytes {start}-{end}/{total}"))
    {
        headers.insert(CONTENT_RANGE, value);
    }
    Ok(Some(response))
}

#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// Inclusive.
    Bytes(u64, u64),
    Unsatisfiable,
    Ignored,
}

/// One `bytes=` range of a `total`-byte body (`N-`, `N-M` or `-N`). Pure.
fn byte_range(header: &str, total: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Ignored;
    };
    if spec.contains(',') {
        return Range::Ignored;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Range::Ignored;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    let (start, end) = match (start.trim().is_empty(), end.trim().is_empty()) {
        (false, true) => match number(start) {
            Some(start) => (start, total.saturating_sub(1)),
            None => return Range::Ignored,
        },
        (false, false) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end => (start, end.min(total.saturating_sub(1))),
            _ => return Range::Ignored,
        },
        (true, false) => match number(end) {
            Some(0) => return Range::Unsatisfiable,
            Some(suffix) => (total.saturating_sub(suffix), total.saturating_sub(1)),
            None => return Range::Ignored,
        },
        (true, true) => return Range::Ignored,
    };
    if total == 0 || start >= total {
        Range::Unsatisfiable
    } else {
        Range::Bytes(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::{Range, byte_range};

    #[test]
    fn byte_ranges_are_read_as_http_says() {
        assert_eq!(byte_range("bytes=100-", 1000), Range::Bytes(100, 999));
        assert_eq!(byte_range("bytes=0-9", 1000), Range::Bytes(0, 9));
        assert_eq!(byte_range("bytes=990-5000", 1000), Range::Bytes(990, 999));
        assert_eq!(byte_range("bytes=-10", 1000), Range::Bytes(990, 999));
        assert_eq!(byte_range("bytes=1000-", 1000), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), Range::Ignored);
        assert_eq!(byte_range("items=0-1", 1000), Range::Ignored);
        assert_eq!(byte_range("bytes=9-2", 1000), Range::Ignored);
    }
}
