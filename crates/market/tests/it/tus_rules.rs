//! tus 1.0 rules one by one: refused chunks, creation, hashes, ownership,
//! termination, expiry, and resuming on another server process.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use protocol::ErrorKind;

use crate::photos::*;
use crate::{error_kind, test_market};

#[tokio::test]
async fn chunks_are_refused_for_the_right_reasons() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(2, 3_000);
    let location = create(&t, &device.token, &bytes).await;
    send_chunk(&t, &device.token, &location, &bytes, 0, 1_000).await;

    // Wrong content type: 415.
    let request = tus("PATCH", &location, &device.token)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("upload-offset", "1000")
        .body(Body::from(bytes[1_000..2_000].to_vec()))
        .unwrap();
    assert_eq!(t.send(request).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Wrong offset: 409.
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 1_000).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let request = chunk(&device.token, &location, 2_000)
        .body(Body::from(bytes[2_000..].to_vec()))
        .unwrap();
    assert_eq!(t.send(request).await.0, StatusCode::CONFLICT);

    // Checksum of other bytes: 460, nothing counted.
    let request = chunk(&device.token, &location, 1_000)
        .header("upload-checksum", checksum(b"something else"))
        .body(Body::from(bytes[1_000..2_000].to_vec()))
        .unwrap();
    let (status, body) = t.send(request).await;
    assert_eq!(status.as_u16(), 460);
    assert_eq!(error_kind(&body), ErrorKind::BadRequest);

    // An algorithm we do not offer, or a malformed checksum: 400.
    for value in [
        "md5 1B2M2Y8AsgTpgAmY7PhCfg==",
        "sha256 not-base64!",
        "sha256",
    ] {
        let request = chunk(&device.token, &location, 1_000)
            .header("upload-checksum", value)
            .body(Body::from(bytes[1_000..2_000].to_vec()))
            .unwrap();
        assert_eq!(t.send(request).await.0, StatusCode::BAD_REQUEST, "{value}");
    }

    // No Upload-Offset, or past the end: 400.
    let request = tus("PATCH", &location, &device.token)
        .header(header::CONTENT_TYPE, "application/offset+octet-stream")
        .body(Body::from(bytes[1_000..2_000].to_vec()))
        .unwrap();
    assert_eq!(t.send(request).await.0, StatusCode::BAD_REQUEST);
    let mut too_long = bytes[1_000..].to_vec();
    too_long.push(0);
    let request = chunk(&device.token, &location, 1_000)
        .body(Body::from(too_long))
        .unwrap();
    assert_eq!(t.send(request).await.0, StatusCode::BAD_REQUEST);

    // No Tus-Resumable: 412, with the version we speak.
    let request = Request::head(&location)
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = t.send_full(request).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(header(&headers, "tus-version"), "1.0.0");

    // None of that moved the offset, and the upload still completes.
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(1_000))
    );
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 1_000, 3_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        missing(&t, &device.token, &[&sha256_hex(&bytes)])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn creation_needs_a_token_a_length_and_the_photo_hash() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let sha = sha256_hex(b"x");
    let no_token = Request::post("/v1/uploads")
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .header("upload-metadata", format!("sha256 {}", BASE64.encode(&sha)))
        .body(Body::empty())
        .unwrap();
    let (status, body) = t.send(no_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), ErrorKind::Unauthorized);

    let cases: [(&str, Option<&str>, Option<String>); 6] = [
        (
            "no length",
            None,
            Some(format!("sha256 {}", BASE64.encode(&sha))),
        ),
        (
            "bad length",
            Some("-5"),
            Some(format!("sha256 {}", BASE64.encode(&sha))),
        ),
        (
            "zero length",
            Some("0"),
            Some(format!("sha256 {}", BASE64.encode(&sha))),
        ),
        ("no metadata", Some("10"), None),
        (
            "no hash",
            Some("10"),
            Some(format!("filename {}", BASE64.encode("a.jpg"))),
        ),
        (
            "bad hash",
            Some("10"),
            Some(format!("sha256 {}", BASE64.encode("abc"))),
        ),
    ];
    for (case, length, metadata) in cases {
        let mut request = tus("POST", "/v1/uploads", &device.token);
        if let Some(length) = length {
            request = request.header("upload-length", length);
        }
        if let Some(metadata) = metadata {
            request = request.header("upload-metadata", metadata);
        }
        let (status, body) = t.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}");
        assert_eq!(error_kind(&body), ErrorKind::BadRequest, "{case}");
    }

    // One limit for the app and the server: `protocol::MAX_PHOTO_BYTES`.
    let max = usize::try_from(protocol::MAX_PHOTO_BYTES).unwrap();
    let (status, body) = t.send(creation(&device.token, max + 1, &sha)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_kind(&body), ErrorKind::PayloadTooLarge);
    let (status, _) = t.send(creation(&device.token, max, &sha)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_file_that_does_not_hash_to_its_declared_sha256_is_discarded() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(3, 2_000);
    let declared = sha256_hex(b"a different photo");
    let (status, headers, _) = t
        .send_full(creation(&device.token, bytes.len(), &declared))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let location = header(&headers, "location").to_owned();
    // Each chunk is intact; only the whole is wrong.
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 2_000).await;
    assert_eq!(status.as_u16(), 460);
    assert_eq!(
        offset(&t, &device.token, &location).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(t.stored_blobs().await.is_empty());
    assert_eq!(
        missing(&t, &device.token, &[&declared]).await,
        [declared.as_str()]
    );
}

#[tokio::test]
async fn another_cooperative_cannot_touch_an_upload() {
    let t = test_market();
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    let bytes = photo(4, 2_000);
    let location = create(&t, &atlas.token, &bytes).await;

    assert_eq!(
        offset(&t, &rif.token, &location).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = send_chunk(&t, &rif.token, &location, &bytes, 0, 2_000).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let delete = tus("DELETE", &location, &rif.token)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(delete).await.0, StatusCode::NOT_FOUND);

    // A second device of the owner may carry on.
    let phone = t.enroll("atlas").await;
    let (status, _) = send_chunk(&t, &phone.token, &location, &bytes, 0, 2_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn termination_drops_the_upload_and_its_bytes() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(5, 2_000);
    let location = create(&t, &device.token, &bytes).await;
    send_chunk(&t, &device.token, &location, &bytes, 0, 500).await;
    let id = location.rsplit('/').next().unwrap();
    assert_eq!(t.upload_bytes_held(id).await, 500);

    let delete = tus("DELETE", &location, &device.token)
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = t.send_full(delete).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(header(&headers, "tus-resumable"), "1.0.0");
    assert_eq!(t.upload_bytes_held(id).await, 0);
    assert_eq!(
        offset(&t, &device.token, &location).await.0,
        StatusCode::NOT_FOUND
    );
    let again = tus("DELETE", &location, &device.token)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(again).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unfinished_uploads_expire_after_a_day() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(6, 2_000);
    let location = create(&t, &device.token, &bytes).await;
    send_chunk(&t, &device.token, &location, &bytes, 0, 500).await;

    t.advance(DAY_MS - 1);
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(500))
    );
    t.advance(1);
    assert_eq!(
        offset(&t, &device.token, &location).await.0,
        StatusCode::GONE
    );
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 500, 2_000).await;
    assert_eq!(status, StatusCode::GONE);

    // The next creation sweeps it away, bytes and all.
    create(&t, &device.token, &photo(7, 100)).await;
    assert_eq!(
        offset(&t, &device.token, &location).await.0,
        StatusCode::NOT_FOUND
    );
    let id = location.rsplit('/').next().unwrap();
    assert_eq!(t.upload_bytes_held(id).await, 0);
}

/// The offset lives in the database: a second server process on the same
/// data takes over an upload the first one started.
#[tokio::test]
async fn another_server_process_resumes_an_upload() {
    let first = test_market();
    let device = first.enroll("atlas").await;
    let bytes = photo(8, 3_000);
    let location = create(&first, &device.token, &bytes).await;
    send_chunk(&first, &device.token, &location, &bytes, 0, 1_200).await;

    let second = first.second_process();
    assert_eq!(
        offset(&second, &device.token, &location).await,
        (StatusCode::OK, Some(1_200))
    );
    let (status, _) = send_chunk(&second, &device.token, &location, &bytes, 1_200, 3_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        missing(&first, &device.token, &[&sha256_hex(&bytes)])
            .await
            .is_empty()
    );
}

/// A client that asks (HEAD) while the last PATCH is still moving its
/// photo into the blob store does not make the server do it twice: the
/// first request holds a claim on it for a few minutes. (Caught here as if
/// the first request were still at it: its claim is set behind the
/// market's back.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_while_an_upload_is_being_finished_does_not_finish_it_again() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(77, 3_000);
    let sha = sha256_hex(&bytes);
    let location = create(&t, &device.token, &bytes).await;
    let id = location.rsplit('/').next().unwrap().to_owned();
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 2_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    t.sql(&format!(
        "UPDATE uploads SET finishing_at = {} WHERE id = '{id}'",
        crate::START_MS
    ));

    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 2_000, 3_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for _ in 0..2 {
        assert_eq!(
            offset(&t, &device.token, &location).await,
            (StatusCode::OK, Some(3_000))
        );
        assert_eq!(missing(&t, &device.token, &[&sha]).await, [sha.as_str()]);
    }
    // The claim's holder died: after the lease, a HEAD finishes the upload.
    t.advance(5 * 60 * 1000);
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(3_000))
    );
    assert!(missing(&t, &device.token, &[&sha]).await.is_empty());
    assert_eq!(t.stored_blob(&sha).await, Some(bytes));
}
