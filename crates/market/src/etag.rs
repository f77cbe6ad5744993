//! `ETag` and `304 Not Modified` for the public reads. The catalog pages
//! and the public JSON are tagged with a hash of their body
//! ([`revalidate`], a middleware); the feeds, streamed and of any length,
//! tag themselves from the catalog's version (`feeds`).
//!
//! Tags are weak (`W/"…"`): the compression layer outside this one sends the
//! same content plain, gzipped or brotli'd under one tag, which a strong tag
//! must not do. `If-None-Match` is compared weakly anyway, so caches and
//! crawlers revalidate all the same.

use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Bodies up to this size are hashed; larger ones, and streamed ones of
/// unknown length, pass untagged.
const MAX_HASHED: usize = 4 * 1024 * 1024;

/// Tags a successful `GET`/`HEAD` answer with a hash of its body, and
/// answers `304` with no body when the request's `If-None-Match` holds that
/// tag. An answer its handler tagged already is left as it is (the handler
/// revalidates it itself).
pub(crate) async fn revalidate(request: Request, next: Next) -> Response {
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let bounded = response
        .body()
        .size_hint()
        .upper()
        .is_some_and(|n| n <= MAX_HASHED as u64);
    if !reading
        || response.status() != StatusCode::OK
        || response.headers().contains_key(ETAG)
        || !bounded
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_HASHED).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "an answer's body could not be read for its ETag");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let tag = of_bytes(&bytes);
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(ETAG, value);
    }
    if if_none_match.is_some_and(|v| matches(v.to_str().unwrap_or(""), &tag)) {
        return not_modified(&parts.headers);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `W/"…"`: the first 128 bits of the SHA-256 of `bytes`, in hex.
pub(crate) fn of_bytes(bytes: &[u8]) -> String {
    format!("W/\"{}\"", hex::encode(&Sha256::digest(bytes)[..16]))
}

/// Whether an `If-None-Match` value holds `tag` (weak comparison: `W/` is
/// ignored on both sides), or is `*`.
pub(crate) fn matches(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = opaque(tag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == tag)
}

/// `304` with no body, keeping the headers a cache updates its copy with
/// (`ETag`, `Cache-Control`, `Vary`). `Vary` names `Accept-Encoding` as the
/// full answer's does (the compression layer adds it only to bodies it
/// could compress).
pub(crate) fn not_modified(headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    let kept = response.headers_mut();
    for name in [ETAG, CACHE_CONTROL, VARY] {
        for value in headers.get_all(&name) {
            kept.append(name.clone(), value.clone());
        }
    }
    let varies_by_encoding = kept.get_all(VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies_by_encoding {
        kept.append(VARY, HeaderValue::from_name(ACCEPT_ENCODING));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_is_compared_weakly() {
        let tag = "W/\"abc\"";
        assert!(matches("W/\"abc\"", tag));
        assert!(matches("\"abc\"", tag));
        assert!(matches("\"x\", W/\"abc\"", tag));
        assert!(matches("*", tag));
        assert!(!matches("W/\"abd\"", tag));
        assert!(!matches("", tag));
    }
}
