//! Photos: `POST /v1/photos/missing`, tus 1.0 uploads at `/v1/uploads`
//! (core, creation, checksum, expiration, termination) and
//! `GET /photos/{sha256}.jpg`, each rule sent as raw HTTP.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use protocol::{ErrorKind, PhotosMissingRequest, PhotosMissingResponse};
use sha2::{Digest, Sha256};

use crate::{TestMarket, error_kind, get, post_json, test_market};

pub(crate) const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Some bytes that stand for a JPEG; `seed` makes them differ.
pub(crate) fn photo(seed: u8, len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..len - 4).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn tus(method: &str, path: &str, token: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("tus-resumable", "1.0.0")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
}

pub(crate) fn creation(token: &str, length: usize, sha256: &str) -> Request<Body> {
    let metadata = format!(
        "sha256 {},filename {}",
        BASE64.encode(sha256),
        BASE64.encode("tapis.jpg")
    );
    tus("POST", "/v1/uploads", token)
        .header("upload-length", length.to_string())
        .header("upload-metadata", metadata)
        .body(Body::empty())
        .unwrap()
}

pub(crate) fn chunk(token: &str, location: &str, offset: usize) -> axum::http::request::Builder {
    tus("PATCH", location, token)
        .header(header::CONTENT_TYPE, "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
}

pub(crate) fn checksum(bytes: &[u8]) -> String {
    format!("sha256 {}", BASE64.encode(Sha256::digest(bytes)))
}

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
        .to_str()
        .unwrap()
}

/// Creates an upload of `bytes` and returns its URL.
pub(crate) async fn create(t: &TestMarket, token: &str, bytes: &[u8]) -> String {
    let (status, headers, body) = t
        .send_full(creation(token, bytes.len(), &sha256_hex(bytes)))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    header(&headers, "location").to_owned()
}

/// PATCHes `bytes[from..to]` with its checksum; returns the status.
pub(crate) async fn send_chunk(
    t: &TestMarket,
    token: &str,
    location: &str,
    bytes: &[u8],
    from: usize,
    to: usize,
) -> (StatusCode, HeaderMap) {
    let part = &bytes[from..to];
    let request = chunk(token, location, from)
        .header("upload-checksum", checksum(part))
        .body(Body::from(part.to_vec()))
        .unwrap();
    let (status, headers, _) = t.send_full(request).await;
    (status, headers)
}

pub(crate) async fn offset(
    t: &TestMarket,
    token: &str,
    location: &str,
) -> (StatusCode, Option<u64>) {
    let request = tus("HEAD", location, token).body(Body::empty()).unwrap();
    let (status, headers, _) = t.send_full(request).await;
    let offset = headers
        .get("upload-offset")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, offset)
}

pub(crate) async fn missing(t: &TestMarket, token: &str, hashes: &[&str]) -> Vec<String> {
    let request = PhotosMissingRequest {
        hashes: hashes.iter().map(|h| (*h).to_owned()).collect(),
    };
    let response: PhotosMissingResponse = t
        .send_ok(post_json("/v1/photos/missing", Some(token), &request))
        .await;
    response.missing
}

#[tokio::test]
async fn options_advertises_the_protocol() {
    let t = test_market();
    let request = Request::builder()
        .method("OPTIONS")
        .uri("/v1/uploads")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = t.send_full(request).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(header(&headers, "tus-resumable"), "1.0.0");
    assert_eq!(header(&headers, "tus-version"), "1.0.0");
    assert_eq!(
        header(&headers, "tus-extension"),
        "creation,creation-with-upload,checksum,expiration,termination"
    );
    assert_eq!(header(&headers, "tus-checksum-algorithm"), "sha256");
    assert_eq!(
        header(&headers, "tus-max-size").parse::<u64>().unwrap(),
        protocol::MAX_PHOTO_BYTES
    );
}

#[tokio::test]
async fn a_photo_uploads_in_checked_chunks_and_is_served_immutable() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(1, 10_000);
    let sha = sha256_hex(&bytes);
    assert_eq!(missing(&t, &device.token, &[&sha]).await, [sha.as_str()]);

    let (status, headers, _) = t
        .send_full(creation(&device.token, bytes.len(), &sha))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(header(&headers, "tus-resumable"), "1.0.0");
    let location = header(&headers, "location").to_owned();
    assert!(location.starts_with("/v1/uploads/"), "{location}");
    let expires = httpdate::parse_http_date(header(&headers, "upload-expires")).unwrap();
    let expires_ms = expires
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert_eq!(expires_ms, crate::START_MS + DAY_MS);
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(0))
    );

    for (from, to) in [(0, 4_000), (4_000, 8_000)] {
        let (status, headers) = send_chunk(&t, &device.token, &location, &bytes, from, to).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(header(&headers, "upload-offset"), to.to_string());
        assert_eq!(
            offset(&t, &device.token, &location).await,
            (StatusCode::OK, Some(to as u64))
        );
        assert!(
            t.stored_blobs().await.is_empty(),
            "not stored before the end"
        );
    }
    // The last chunk without a checksum: it is optional.
    let request = chunk(&device.token, &location, 8_000)
        .body(Body::from(bytes[8_000..].to_vec()))
        .unwrap();
    let (status, headers, _) = t.send_full(request).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(header(&headers, "upload-offset"), "10000");

    assert_eq!(t.stored_blob(&sha).await, Some(bytes.clone()));
    assert!(missing(&t, &device.token, &[&sha]).await.is_empty());
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(10_000))
    );

    // Stored, but no public listing shows it yet.
    let (status, _) = t.send(get(&format!("/photos/{sha}.jpg"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    show_publicly(&t, &device.token, &sha).await;
    let (status, headers, body) = t.send_full(get(&format!("/photos/{sha}.jpg"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    assert_eq!(header(&headers, "content-type"), "image/jpeg");
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=3600, immutable"
    );
    for path in [
        format!("/photos/{}.jpg", sha256_hex(b"other")),
        format!("/photos/{}.jpg", sha.to_uppercase()),
        format!("/photos/{sha}.png"),
        "/photos/..%2Fmarket.db".to_owned(),
    ] {
        let (status, body) = t.send(get(&path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_kind(&body), ErrorKind::NotFound);
    }
}

/// Content-addressed: the same photo from two cooperatives is stored once,
/// and `missing` tells the second it need not upload it at all.
#[tokio::test]
async fn a_photo_is_stored_once() {
    let t = test_market();
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    let bytes = photo(9, 1_500);
    let sha = sha256_hex(&bytes);
    let other = sha256_hex(b"not uploaded");

    let location = create(&t, &atlas.token, &bytes).await;
    send_chunk(&t, &atlas.token, &location, &bytes, 0, 1_500).await;
    assert_eq!(
        missing(&t, &rif.token, &[&sha, &other, &other.to_uppercase()]).await,
        [other.as_str()]
    );

    // Uploading it again anyway changes nothing in the store.
    let location = create(&t, &rif.token, &bytes).await;
    let (status, _) = send_chunk(&t, &rif.token, &location, &bytes, 0, 1_500).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.stored_blobs().await, std::slice::from_ref(&sha));
}

#[tokio::test]
async fn missing_needs_a_token_and_real_hashes() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let body = PhotosMissingRequest {
        hashes: vec![sha256_hex(b"x")],
    };
    let (status, _) = t.send(post_json("/v1/photos/missing", None, &body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let bad = PhotosMissingRequest {
        hashes: vec!["../../etc/passwd".to_owned()],
    };
    let (status, body) = t
        .send(post_json("/v1/photos/missing", Some(&device.token), &bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_kind(&body), ErrorKind::BadRequest);
}

/// Two PATCHes of the same chunk at once (a client retrying while its first
/// request is still in flight): one is counted, the other gets 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_patches_count_one_chunk_once() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(10, 4_000);
    let location = create(&t, &device.token, &bytes).await;
    let (a, b) = tokio::join!(
        send_chunk(&t, &device.token, &location, &bytes, 0, 2_000),
        send_chunk(&t, &device.token, &location, &bytes, 0, 2_000),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::CONFLICT]);
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(2_000))
    );
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 2_000, 4_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.stored_blob(&sha256_hex(&bytes)).await, Some(bytes));
}

/// Uploads `bytes` over tus in one checked chunk; returns their SHA-256.
pub(crate) async fn upload(t: &TestMarket, token: &str, bytes: &[u8]) -> String {
    let location = create(t, token, bytes).await;
    let (status, _) = send_chunk(t, token, &location, bytes, 0, bytes.len()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    sha256_hex(bytes)
}

/// Makes the uploaded photo `sha` public: a new listing of the device's
/// cooperative shows it (as display and thumbnail). Returns the listing.
pub(crate) async fn show_publicly(t: &TestMarket, token: &str, sha: &str) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    t.push(token, vec![crate::upsert(id, "Tapis en photo", 100, 1)])
        .await;
    let (status, body) = t
        .send(crate::listing_photos::set_photos(id, token, &[(sha, sha)]))
        .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "{}",
        String::from_utf8_lossy(&body)
    );
    id
}

/// A download cut mid-photo goes on from where it stopped: `Range` is
/// honoured on photos.
#[tokio::test]
async fn a_photo_is_served_from_a_byte_on() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(31, 6_000);
    let sha = upload(&t, &device.token, &bytes).await;
    show_publicly(&t, &device.token, &sha).await;
    let ranged = |range: &str| {
        Request::get(format!("/photos/{sha}.jpg"))
            .header(header::RANGE, range)
            .body(Body::empty())
            .unwrap()
    };

    let (status, headers, body) = t.send_full(ranged("bytes=4000-")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&headers, "content-range"), "bytes 4000-5999/6000");
    assert_eq!(body, &bytes[4000..]);

    let (status, headers, _) = t.send_full(ranged("bytes=6000-")).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&headers, "content-range"), "bytes */6000");

    let (status, headers, body) = t.send_full(get(&format!("/photos/{sha}.jpg"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "accept-ranges"), "bytes");
    assert_eq!(body, bytes);
}

/// The link cut in the middle of a chunk: the part that arrived is kept
/// (the whole file's SHA-256 is still checked at the end), so the client,
/// asking with HEAD, sends only the rest — not the chunk again. A body
/// without a declared length that fails keeps nothing.
#[tokio::test]
async fn a_chunk_cut_off_keeps_what_arrived() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(5, 100_000);
    let location = create(&t, &device.token, &bytes).await;
    let cut_body = |declared: bool| {
        let pieces: Vec<std::io::Result<bytes::Bytes>> = vec![
            Ok(bytes::Bytes::copy_from_slice(&bytes[..30_000])),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut",
            )),
        ];
        let request = chunk(&device.token, &location, 0)
            .header("upload-checksum", checksum(&bytes[..60_000]));
        let request = if declared {
            request.header(header::CONTENT_LENGTH, "60000")
        } else {
            request
        };
        request
            .body(Body::from_stream(futures_util::stream::iter(pieces)))
            .unwrap()
    };
    let (status, _, _) = t.send_full(cut_body(false)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(offset(&t, &device.token, &location).await.1, Some(0));

    t.send_full(cut_body(true)).await;
    assert_eq!(
        offset(&t, &device.token, &location).await.1,
        Some(30_000),
        "the 30,000 bytes that came are kept"
    );
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 30_000, 100_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let sha = sha256_hex(&bytes);
    assert!(missing(&t, &device.token, &[&sha]).await.is_empty());
}
