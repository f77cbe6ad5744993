//! Arbitrary bytes as an HTTP request to the marketplace's tus endpoint,
//! read by `httparse` into a header map as hyper does, then through all of
//! `POST /v1/uploads`'s or `PATCH /v1/uploads/{id}`'s parsing
//! (`Upload-Length`, `Upload-Metadata`, `Upload-Offset`, `Upload-Checksum`,
//! `Content-Type`) and the chunk check, with the refusal rendered as a
//! response. Nothing may panic, and what is accepted must be what the
//! headers say.
//!
//! A `PATCH`'s target says where the upload stands on the server, which
//! the fuzz input chooses: `PATCH /v1/uploads/ID?OFFSET/LENGTH` (only
//! states the server can be in: `0 ≤ OFFSET ≤ LENGTH ≤ 32 MiB`, `LENGTH > 0`;
//! without a `?`, a fresh upload of 32 MiB).

#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use market::tus_fuzzing;

/// The largest upload the server takes (`protocol::MAX_PHOTO_BYTES`).
const MAX_UPLOAD_BYTES: u64 = 32 * 1024 * 1024;

fuzz_target!(|data: &[u8]| {
    let mut slots = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut slots);
    let Ok(httparse::Status::Complete(head_len)) = request.parse(data) else {
        return;
    };
    let body = &data[head_len..];
    let mut headers = HeaderMap::new();
    for header in request.headers.iter() {
        // hyper refuses a request whose header name or value is not valid.
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_bytes(header.value),
        ) else {
            return;
        };
        headers.append(name, value);
    }
    if let Some(value) = headers.get("upload-metadata").and_then(|v| v.to_str().ok()) {
        metadata(value);
    }
    match request.method {
        Some("POST") => create(&headers, body),
        Some("PATCH") => {
            let (offset, length) = request
                .path
                .and_then(|path| path.split_once('?'))
                .and_then(|(_, state)| state.split_once('/'))
                .and_then(|(offset, length)| Some((offset.parse().ok()?, length.parse().ok()?)))
                .unwrap_or((0, MAX_UPLOAD_BYTES));
            if length == 0 || length > MAX_UPLOAD_BYTES || offset > length {
                return;
            }
            patch(&headers, offset, length, body);
        }
        _ => {}
    }
});

fn create(headers: &HeaderMap, body: &[u8]) {
    let Ok((length, sha256, filename)) = tus_fuzzing::create(headers, body) else {
        return;
    };
    assert!((1..=MAX_UPLOAD_BYTES).contains(&length));
    assert_eq!(Some(length), header_u64(headers, "upload-length"));
    assert_eq!(sha256.len(), 64);
    assert!(
        sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    );
    assert!(filename.is_none_or(|name| name.chars().count() <= 255));
}

fn patch(headers: &HeaderMap, offset: u64, length: u64, chunk: &[u8]) {
    let Ok(end) = tus_fuzzing::patch(headers, length, offset, chunk) else {
        return;
    };
    assert_eq!(Some(offset), header_u64(headers, "upload-offset"));
    assert_eq!(end, offset + chunk.len() as u64);
    assert!(end <= length);
}

/// Pairs that parse come back the same when written out again.
fn metadata(header: &str) {
    let Some(pairs) = tus_fuzzing::metadata(header) else {
        return;
    };
    let written: Vec<String> = pairs
        .iter()
        .map(|(key, value)| match value {
            Some(value) => format!("{key} {}", base64(value.as_bytes())),
            None => key.clone(),
        })
        .collect();
    assert_eq!(tus_fuzzing::metadata(&written.join(",")), Some(pairs));
}

/// The header as a decimal `u64`, read independently of the server's code.
fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    let text = headers.get(name)?.to_str().ok()?;
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())?
}

/// Standard base64 with padding, written out here so the check does not
/// reuse the decoder under test.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
