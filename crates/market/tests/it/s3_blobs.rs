//! Photos in an S3-compatible bucket: s3rver (npm, in `tests/s3rver`) on
//! loopback stands in for the real thing. Uploads land in the bucket, not
//! in the data directory, and a second server process sharing the database
//! and the bucket serves them.

use axum::http::StatusCode;
use market::{Config, Market, S3Blobs};

use crate::photos::{create, missing, offset, photo, send_chunk, sha256_hex, show_publicly};
use crate::{Serving, fresh_bucket, get, hanout_market_command, test_market_on};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_go_to_the_bucket_and_any_process_serves_them() {
    let t = test_market_on(fresh_bucket());
    let device = t.enroll("atlas").await;
    let bytes = photo(42, 5_000);
    let sha = sha256_hex(&bytes);

    let location = create(&t, &device.token, &bytes).await;
    let (status, _) = send_chunk(&t, &device.token, &location, &bytes, 0, 2_500).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The second process takes the rest: the offset is in the database.
    let other = t.second_process();
    let (status, _) = send_chunk(&other, &device.token, &location, &bytes, 2_500, 5_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        offset(&t, &device.token, &location).await,
        (StatusCode::OK, Some(5_000))
    );
    assert!(missing(&t, &device.token, &[&sha]).await.is_empty());
    assert!(
        !t.data_dir.join("blobs").exists(),
        "nothing in the data dir"
    );

    show_publicly(&t, &device.token, &sha).await;
    for market in [&t, &other] {
        let (status, body) = market.send(get(&format!("/photos/{sha}.jpg"))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, bytes);
    }
    let (status, _) = t
        .send(get(&format!("/photos/{}.jpg", sha256_hex(b"absent"))))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The same photo again, from another cooperative: stored once, fine.
    let rif = t.enroll("rif").await;
    let location = create(&t, &rif.token, &bytes).await;
    let (status, _) = send_chunk(&t, &rif.token, &location, &bytes, 0, 5_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // `serve --blobs`, credentials from the environment, serves it too.
    let mut serve = hanout_market_command(&[]);
    if let Some(database) = t.database() {
        serve.args(["--database", database]);
    }
    serve
        .arg("--data")
        .arg(&t.data_dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--blobs", &t.blobs_url().unwrap()])
        .env("AWS_ACCESS_KEY_ID", "S3RVER")
        .env("AWS_SECRET_ACCESS_KEY", "S3RVER");
    let server = Serving::start(&mut serve);
    let base = &server.base;
    let served = reqwest::get(format!("{base}/photos/{sha}.jpg"))
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[test]
fn bad_blob_store_urls_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        ("http://photos", "only s3://"),
        ("s3://", "no bucket"),
        ("s3://photos?colour=blue", "unknown option `colour`"),
        ("not a url", "not a URL"),
    ] {
        let config = Config {
            blobs: Some(S3Blobs {
                url: url.to_owned(),
                access_key_id: None,
                secret_access_key: None,
            }),
            ..Config::default()
        };
        let err = Market::open_with(dir.path(), config).unwrap_err();
        assert!(format!("{err:#}").contains(says), "{url}: {err:#}");
    }
}
