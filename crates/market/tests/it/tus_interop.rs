//! Interop: tus-js-client, the stock tus client, uploads a photo in chunks
//! to a real listening server, is killed in the middle of a PATCH, and a
//! second run resumes where the server says it stopped.
//!
//! Needs `node` and `npm`: the client lives in `tests/tus-client`
//! (package.json + package-lock.json); `npm ci` installs it on first run.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use crate::test_market;

const CHUNK: usize = 64 * 1024;

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tus-client")
}

/// `npm ci` unless `node_modules` is there; fails loudly without node.
fn install_client() {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "the tus interop test needs Node.js (`node` on PATH, version 18 or newer) — install it, e.g. `apt-get install nodejs npm`"
    );
    let dir = client_dir();
    if dir.join("node_modules/tus-js-client").exists() {
        return;
    }
    let npm = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .output()
        .expect("the tus interop test needs `npm` on PATH to install tus-js-client");
    assert!(
        npm.status.success(),
        "`npm ci` in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&npm.stderr)
    );
}

async fn run_client(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("upload.mjs")
            .args(args)
            .current_dir(client_dir())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn patch_offsets(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("patch "))
        .map(|o| o.parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_uploads_is_killed_and_resumes() {
    install_client();
    let t = test_market();
    let device = t.enroll("atlas").await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = market::app(t.market.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let bytes: Vec<u8> = (0..5 * CHUNK + 1234)
        .map(|i| (i % 251) as u8 ^ (i / 7919) as u8)
        .collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tapis.jpg");
    std::fs::write(&file, &bytes).unwrap();
    let common = |mode: &str, arg: String| {
        vec![
            format!("{base}/v1/uploads"),
            device.token.clone(),
            file.display().to_string(),
            sha.clone(),
            CHUNK.to_string(),
            mode.to_owned(),
            arg,
        ]
    };

    // First run: killed once more than two chunks are on their way.
    let first = run_client(common("start", (2 * CHUNK).to_string())).await;
    let first_lines = lines(&first);
    assert!(
        !first.status.success() && first_lines.iter().any(|l| l.starts_with("killed")),
        "{first_lines:?} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let url = first_lines
        .iter()
        .find_map(|l| l.strip_prefix("url "))
        .unwrap_or_else(|| panic!("{first_lines:?}"))
        .to_owned();
    assert_eq!(patch_offsets(&first_lines)[..3], [0, CHUNK, 2 * CHUNK]);

    let client = reqwest::Client::new();
    let head = client
        .head(&url)
        .header("tus-resumable", "1.0.0")
        .bearer_auth(&device.token)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 200);
    let offset: usize = head.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        offset >= 2 * CHUNK && offset < bytes.len() && offset.is_multiple_of(CHUNK),
        "offset {offset}"
    );

    // Second run: no new upload, the first PATCH starts at that offset.
    let second = run_client(common("resume", url.clone())).await;
    let second_lines = lines(&second);
    assert!(
        second.status.success() && second_lines.last().map(String::as_str) == Some("done"),
        "{second_lines:?} {}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(!second_lines.iter().any(|l| l.starts_with("url ")));
    let resumed = patch_offsets(&second_lines);
    assert_eq!(resumed.first(), Some(&offset), "{second_lines:?}");

    crate::photos::show_publicly(&t, &device.token, &sha).await;
    let photo = client
        .get(format!("{base}/photos/{sha}.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status().as_u16(), 200);
    assert_eq!(photo.bytes().await.unwrap().as_ref(), bytes.as_slice());
    server.abort();
}
