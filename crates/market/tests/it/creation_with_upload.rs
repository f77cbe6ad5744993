//! tus creation-with-upload: the first chunk in the creating `POST`.

use axum::body::Body;
use axum::http::{StatusCode, header};

use crate::photos::{
    checksum, creation, header, missing, offset, photo, send_chunk, sha256_hex, tus,
};
use crate::test_market;

/// A creation whose body is `body`, with `checksum` if given.
fn creation_with(
    token: &str,
    bytes: &[u8],
    body: &[u8],
    content_type: &str,
    checksum: Option<String>,
) -> axum::http::Request<Body> {
    let plain = creation(token, bytes.len(), &sha256_hex(bytes));
    let mut request = tus("POST", "/v1/uploads", token)
        .header("upload-length", bytes.len().to_string())
        .header(
            "upload-metadata",
            plain.headers()["upload-metadata"].clone(),
        )
        .header(header::CONTENT_TYPE, content_type);
    if let Some(checksum) = checksum {
        request = request.header("upload-checksum", checksum);
    }
    request.body(Body::from(body.to_vec())).unwrap()
}

const OCTETS: &str = "application/offset+octet-stream";

#[tokio::test]
async fn the_first_chunk_rides_in_the_post_and_the_rest_follows() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(41, 10_000);
    let sha = sha256_hex(&bytes);
    let first = &bytes[..4_000];
    let (status, headers, _) = t
        .send_full(creation_with(
            &device.token,
            &bytes,
            first,
            OCTETS,
            Some(checksum(first)),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(header(&headers, "upload-offset"), "4000");
    let location = header(&headers, "location").to_owned();
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(4_000))
    );
    assert!(
        t.stored_blobs().await.is_empty(),
        "not stored before the end"
    );
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 4_000, 10_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.stored_blob(&sha).await, Some(bytes));
}

#[tokio::test]
async fn a_small_photo_is_created_and_stored_in_one_request() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(42, 3_000);
    let sha = sha256_hex(&bytes);
    let (status, headers, _) = t
        .send_full(creation_with(
            &device.token,
            &bytes,
            &bytes,
            OCTETS,
            Some(checksum(&bytes)),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(header(&headers, "upload-offset"), "3000");
    assert_eq!(t.stored_blob(&sha).await, Some(bytes));
    assert!(missing(&t, &device.token, &[&sha]).await.is_empty());
}

#[tokio::test]
async fn a_refused_first_chunk_leaves_the_upload_created_at_zero() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(43, 6_000);
    let sha = sha256_hex(&bytes);
    // The chunk arrived damaged: its checksum says other bytes.
    let (status, headers, _) = t
        .send_full(creation_with(
            &device.token,
            &bytes,
            &bytes[..2_000],
            OCTETS,
            Some(checksum(&bytes[..1_999])),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(header(&headers, "upload-offset"), "0");
    let location = header(&headers, "location").to_owned();
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 6_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.stored_blob(&sha).await, Some(bytes.clone()));

    // A body of another type is refused outright, nothing created.
    let (status, _, _) = t
        .send_full(creation_with(
            &device.token,
            &bytes,
            b"{}",
            "application/json",
            None,
        ))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
