//! Uploads with the photos on the local disk: the bytes received so far
//! are in `<data>/uploads/ID.part`, which a server on another machine does
//! not have. (With a bucket, chunks are objects any server reads: see the
//! scale-out tests.)

use axum::http::StatusCode;

use crate::photos::{create, missing, offset, photo, send_chunk, sha256_hex};
use crate::test_market;

/// The bytes of an upload are on one machine's disk: a server that lacks
/// them (another machine, a lost disk) rewinds the offset to what it has
/// and answers 409, and the client resumes from there.
#[tokio::test]
async fn a_server_missing_the_bytes_rewinds_the_offset() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(11, 3_000);
    let location = create(&t, &device.token, &bytes).await;
    send_chunk(&t, &device.token, &location, &bytes, 0, 1_000).await;
    let id = location.rsplit('/').next().unwrap();
    std::fs::remove_file(t.data_dir.join("uploads").join(format!("{id}.part"))).unwrap();

    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 1_000, 2_000).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(0))
    );
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 3_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        missing(&t, &device.token, &[&sha256_hex(&bytes)])
            .await
            .is_empty()
    );
}
