//! The catalog in a real browser: headless Chromium loads pages from a real
//! listening server. `--dump-dom` shows the DOM after parsing (is the
//! Arabic page right to left? did an injected `<script>` become an
//! element?); `--screenshot` shows pixels (did the listing's photo load?
//! The photo is solid red and nothing else on the page is).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::{ImageFormat, Rgb, RgbImage};
use protocol::LocalizedText;
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::listing_photos::set_photos;
use crate::photos::upload;
use crate::{test_market, upsert, upsert_titled};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium gets this long to load one page before the test gives up on it
/// (a hang guard, not a speed check).
const HANG_GUARD: Duration = Duration::from_secs(120);

fn chromium() -> PathBuf {
    let path = PathBuf::from(CHROMIUM);
    assert!(
        path.exists(),
        "{CHROMIUM} is missing: these tests drive a real headless Chromium — run `cargo xtask setup` to install it"
    );
    path
}

/// Runs headless Chromium with the usual quiet flags plus `args`; returns
/// its stdout.
fn run_chromium(profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| {
            panic!("could not start {CHROMIUM}: {err} — run `cargo xtask setup`")
        });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > HANG_GUARD {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish; killed it");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "chromium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub(crate) async fn dump_dom(profile: &Path, url: String) -> String {
    let profile = profile.to_owned();
    tokio::task::spawn_blocking(move || run_chromium(&profile, &["--dump-dom".to_owned(), url]))
        .await
        .unwrap()
}

async fn screenshot(profile: &Path, url: String, out: PathBuf) -> RgbImage {
    let profile = profile.to_owned();
    let args = vec![
        format!("--screenshot={}", out.display()),
        "--window-size=800,1000".to_owned(),
        url,
    ];
    tokio::task::spawn_blocking(move || run_chromium(&profile, &args))
        .await
        .unwrap();
    image::open(&out).unwrap().to_rgb8()
}

/// A solid red JPEG.
fn red_jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_pixel(width, height, Rgb([255, 0, 0]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, ImageFormat::Jpeg).unwrap();
    bytes.into_inner()
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 200 && p[1] < 60 && p[2] < 60
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_in_headless_chromium() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let rug = Uuid::now_v7();
    let xss = Uuid::now_v7();
    let title = LocalizedText {
        ar: Some("زربية حمراء".to_owned()),
        fr: Some("Tapis rouge".to_owned()),
        en: None,
    };
    t.push(
        &device.token,
        vec![
            upsert_titled(rug, title, 450_000, 1),
            upsert(xss, "<script>alert(1)</script>", 100, 2),
        ],
    )
    .await;
    // The photo's bytes go through tus like the app's, then onto the listing.
    let display = upload(&t, &device.token, &red_jpeg(1600, 1200)).await;
    let thumb = upload(&t, &device.token, &red_jpeg(320, 240)).await;
    let (status, _) = t
        .send(set_photos(rug, &device.token, &[(&display, &thumb)]))
        .await;
    assert_eq!(status, axum::http::StatusCode::NO_CONTENT);

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = market::app(t.market.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let profile = tempfile::tempdir().unwrap();

    let dom = dump_dom(profile.path(), format!("{base}/?lang=ar")).await;
    assert!(dom.contains(r#"<html lang="ar" dir="rtl">"#), "{dom}");
    assert!(dom.contains("زربية حمراء"), "{dom}");

    // The title is text in the heading; the parser made no script element
    // but the page's JSON-LD data block (never executed), in which the
    // title's `<` stays escaped, and the share button's own file.
    let dom = dump_dom(profile.path(), format!("{base}/l/{xss}?lang=fr")).await;
    assert!(
        dom.contains(r#"<h1 dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;</h1>"#),
        "{dom}"
    );
    let lower = dom.to_lowercase();
    assert_eq!(lower.matches("<script").count(), 2, "{dom}");
    assert_eq!(
        lower
            .matches(r#"<script src="/static/share.js" defer=""></script>"#)
            .count(),
        1,
        "{dom}"
    );
    assert_eq!(
        lower
            .matches(r#"<script type="application/ld+json">"#)
            .count(),
        1,
        "{dom}"
    );
    assert!(dom.contains(r"\u003cscript\u003ealert(1)"), "{dom}");

    // The listing's photo is the only red thing on its page: red pixels
    // mean the browser fetched and decoded it.
    let dom = dump_dom(profile.path(), format!("{base}/l/{rug}?lang=fr")).await;
    assert!(dom.contains(&format!("/photos/{display}.jpg")), "{dom}");
    let shot = screenshot(
        profile.path(),
        format!("{base}/l/{rug}?lang=fr"),
        profile.path().join("listing.png"),
    )
    .await;
    let red = shot.pixels().filter(|p| is_red(p)).count();
    let total = (shot.width() * shot.height()) as usize;
    assert!(
        red * 10 > total,
        "only {red} of {total} pixels are red: the photo did not load"
    );
    // And without the photo the page has no red at all.
    let shot = screenshot(
        profile.path(),
        format!("{base}/l/{xss}?lang=fr"),
        profile.path().join("no-photo.png"),
    )
    .await;
    assert_eq!(shot.pixels().filter(|p| is_red(p)).count(), 0);

    server.abort();
}
