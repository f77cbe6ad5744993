//! How much memory the marketplace takes while serving photos. Not a test:
//! it prints the figure the README states (issue 18: "peak memory under 50
//! concurrent photo downloads of 8 MB files").
//!
//! The real `hanout-market serve` binary runs on a temporary data directory
//! (SQLite), photos on disk, then again with photos in an S3 bucket
//! (s3rver from the tests, on loopback). One device enrolls, publishes a
//! listing and uploads an 8 MB photo over tus (in the bucket case the last
//! chunk makes the server stream the chunks into a multipart upload); then
//! 50 clients download it at once,
//! each reading its body in slow pieces so that all 50 are in flight
//! together. The server's resident memory (`VmRSS` in `/proc/PID/status`)
//! is sampled every 5 ms; its peak, its level before the downloads and the
//! kernel's high-water mark (`VmHWM`) are printed. Linux only.
//!
//! `cargo bench -p market --bench photo_memory`

#![allow(clippy::print_stdout)] // a bench binary reports on its terminal

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use base64::Engine as _;
use market::{Market, admin};
use protocol::{
    Change, ChangeOp, EnrollRequest, EnrollResponse, ListingPayload, ListingPhoto,
    ListingPhotosRequest, LocalizedText, PushRequest,
};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

const PHOTO_BYTES: usize = 8 * 1024 * 1024;
const DOWNLOADS: usize = 50;
/// tus chunks: under the server's 4 MiB body limit.
const CHUNK: usize = 2 * 1024 * 1024;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(None))?;
    let s3 = test_support::services::s3rver(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3rver"),
    );
    runtime.block_on(run(Some(s3.url_of(&s3.fresh_bucket()))))
}

/// Resident memory of `pid` in KiB: (`VmRSS`, `VmHWM`).
fn memory_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("reading /proc (this bench runs on Linux)")?;
    let field = |name: &str| -> anyhow::Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("no {name} in /proc/{pid}/status"))?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// One run: photos on disk (`None`) or in the bucket `blobs`.
async fn run(blobs: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let code = {
        let market = Market::open(dir.path())?;
        admin::ensure_cooperative(&market, "atlas", "Coopérative Atlas")?;
        admin::enrollment_code(&market, "atlas")?
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_hanout-market"));
    command
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped());
    if let Some(blobs) = &blobs {
        command
            .args(["--blobs", blobs])
            .env("AWS_ACCESS_KEY_ID", test_support::services::S3rver::KEY)
            .env("AWS_SECRET_ACCESS_KEY", test_support::services::S3rver::KEY);
    }
    let mut child = command.spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line {line:?}"))?
        .to_owned();
    let pid = child.id();
    let place = if blobs.is_some() {
        "photos in an S3 bucket"
    } else {
        "photos on disk"
    };
    let result = measure(&base, code, pid, place).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn measure(base: &str, code: String, pid: u32, place: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let device: EnrollResponse = client
        .post(format!("{base}/v1/enroll"))
        .json(&EnrollRequest {
            code,
            device_name: "bench".to_owned(),
            device_key: None,
        })
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = device.token;

    let photo: Vec<u8> = (0..PHOTO_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    let sha = hex::encode(Sha256::digest(&photo));
    let listing_id = Uuid::now_v7();
    let change = Change::whole(
        Uuid::now_v7(),
        listing_id,
        ChangeOp::Upsert {
            listing: ListingPayload {
                title: LocalizedText {
                    fr: Some("Tapis".to_owned()),
                    ..LocalizedText::default()
                },
                price_centimes: 100,
                updated_at_ms: 1,
                ..ListingPayload::default()
            },
        },
    );
    client
        .post(format!("{base}/v1/push"))
        .bearer_auth(&token)
        .json(&PushRequest {
            changes: vec![change],
        })
        .send()
        .await?
        .error_for_status()?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let created = client
        .post(format!("{base}/v1/uploads"))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", PHOTO_BYTES.to_string())
        .header("upload-metadata", format!("sha256 {}", b64.encode(&sha)))
        .send()
        .await?
        .error_for_status()?;
    let location = created
        .headers()
        .get("location")
        .context("no Location")?
        .to_str()?
        .to_owned();
    for (n, chunk) in photo.chunks(CHUNK).enumerate() {
        client
            .patch(format!("{base}{location}"))
            .bearer_auth(&token)
            .header("tus-resumable", "1.0.0")
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", (n * CHUNK).to_string())
            .body(chunk.to_vec())
            .send()
            .await?
            .error_for_status()?;
    }
    client
        .put(format!("{base}/v1/listings/{listing_id}/photos"))
        .bearer_auth(&token)
        .json(&ListingPhotosRequest {
            photos: vec![ListingPhoto {
                display: sha.clone(),
                thumb: sha.clone(),
            }],
            expected: None,
            when_uploaded: false,
        })
        .send()
        .await?
        .error_for_status()?;

    tokio::time::sleep(Duration::from_millis(300)).await;
    let (before_kib, after_upload_hwm_kib) = memory_kib(pid)?;
    let peak = Arc::new(AtomicU64::new(before_kib));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                if let Ok((rss, _)) = memory_kib(pid) {
                    peak.fetch_max(rss, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let downloads = (0..DOWNLOADS).map(|_| {
        let client = client.clone();
        let url = format!("{base}/photos/{sha}.jpg");
        let sha = sha.clone();
        tokio::spawn(async move {
            let mut response = client.get(url).send().await?.error_for_status()?;
            let mut hasher = Sha256::new();
            while let Some(piece) = response.chunk().await? {
                hasher.update(&piece);
                // A slow reader: every download stays in flight a while.
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            ensure!(hex::encode(hasher.finalize()) == sha, "a download differs");
            anyhow::Ok(())
        })
    });
    for download in futures_util::future::join_all(downloads).await {
        download??;
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    sampler.await?;
    let (_, hwm_kib) = memory_kib(pid)?;
    let peak_kib = peak.load(Ordering::SeqCst);
    println!(
        "photo_memory ({place}): {DOWNLOADS} concurrent downloads of one {} MB photo",
        PHOTO_BYTES >> 20
    );
    println!(
        "  server VmHWM after the upload:   {:>6.1} MiB",
        after_upload_hwm_kib as f64 / 1024.0
    );
    println!(
        "  server RSS before the downloads: {:>6.1} MiB",
        before_kib as f64 / 1024.0
    );
    println!(
        "  server RSS peak during them:     {:>6.1} MiB",
        peak_kib as f64 / 1024.0
    );
    println!(
        "  server VmHWM (whole run):        {:>6.1} MiB",
        hwm_kib as f64 / 1024.0
    );
    println!(
        "  ({} MB served in {seconds:.1} s; the photos alone would take {} MB if held whole)",
        (DOWNLOADS * PHOTO_BYTES) >> 20,
        (DOWNLOADS * PHOTO_BYTES) >> 20
    );
    Ok(())
}
