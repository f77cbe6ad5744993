//! Photos in an S3-compatible bucket: s3rver (npm, in `tests/s3rver`) on
//! loopback stands in for the real thing. Uploads land in the bucket, not
//! in the data directory, and a second server process sharing the database
//! and the bucket serves them.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use axum::http::StatusCode;
use market::{Config, Market, S3Blobs};

use crate::photos::{create, missing, offset, photo, send_chunk, sha256_hex};
use crate::{get, test_market_on};

const BUCKET: &str = "photos";

/// s3rver on a loopback port, stopped on drop.
struct S3rver {
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Drop for S3rver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3rver_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3rver")
}

/// Starts s3rver with the bucket, `npm ci` first if needed; returns once it
/// says it listens.
fn start_s3rver() -> S3rver {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "the S3 blob store test needs Node.js (`node` on PATH) to run s3rver — install it, e.g. `apt-get install nodejs npm`"
    );
    let dir = s3rver_dir();
    if !dir.join("node_modules/s3rver").exists() {
        let npm = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("the S3 blob store test needs `npm` on PATH to install s3rver");
        assert!(
            npm.status.success(),
            "`npm ci` in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&npm.stderr)
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new("node")
        .arg(dir.join("node_modules/s3rver/bin/s3rver.js"))
        .arg("-d")
        .arg(data.path())
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .args(["--configure-bucket", BUCKET])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let read = stdout.read_line(&mut line).unwrap();
        assert!(read > 0, "s3rver exited before listening");
        if line.contains("listening on") {
            break;
        }
    }
    // Keep draining its stdout so it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    S3rver {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        _dir: data,
    }
}

fn bucket(s3: &S3rver) -> S3Blobs {
    S3Blobs {
        url: format!("s3://{BUCKET}?endpoint={}&region=us-east-1", s3.endpoint),
        // s3rver's fixed keys.
        access_key_id: Some("S3RVER".to_owned()),
        secret_access_key: Some("S3RVER".to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_go_to_the_bucket_and_any_process_serves_them() {
    let s3 = start_s3rver();
    let t = test_market_on(bucket(&s3));
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
    let mut server = ServeProcess(
        Command::new(env!("CARGO_BIN_EXE_hanout-market"))
            .arg("--data")
            .arg(&t.data_dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--blobs",
                &bucket(&s3).url,
            ])
            .env("AWS_ACCESS_KEY_ID", "S3RVER")
            .env("AWS_SECRET_ACCESS_KEY", "S3RVER")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let served = reqwest::get(format!("{base}/photos/{sha}.jpg"))
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

/// A `hanout-market serve` child, killed when the test ends.
struct ServeProcess(Child);

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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
