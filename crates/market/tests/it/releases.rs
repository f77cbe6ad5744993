//! The desktop app's updates: `hanout-market release add` (the real binary
//! and `admin::add_release`), tauri-plugin-updater's endpoint
//! `/v1/app/update/{target}/{arch}/{current_version}` and the packages at
//! `/v1/app/packages/{sha256}/{file_name}`, on the test binary's backend.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use market::admin::{self, Release, ReleaseInput};
use market::cleanup;
use protocol::ErrorKind;
use serde_json::Value;

use crate::photos::{DAY_MS, photo, sha256_hex, upload};
use crate::{Serving, TestMarket, error_kind, fresh_bucket, get, test_market, test_market_on};

/// What `tauri signer sign` writes into `FILE.sig`: a minisign signature,
/// base64. `seed` makes it differ (the server checks only its shape).
fn signature(seed: &str) -> String {
    BASE64.encode(format!(
        "untrusted comment: signature from tauri secret key\n\
         RUQf{seed}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\
         trusted comment: timestamp:1796637600\tfile:{seed}\n\
         AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"
    ))
}

/// A package of `len` bytes named `name` in `dir`; `seed` makes it differ.
fn package(dir: &Path, name: &str, seed: u8, len: usize) -> (PathBuf, Vec<u8>) {
    let bytes: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(17).wrapping_add(seed))
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

fn input(file: &Path, version: &str, target: &str) -> ReleaseInput {
    ReleaseInput {
        file: file.to_owned(),
        version: version.to_owned(),
        target: target.to_owned(),
        signature: signature(&format!("{version}-{target}")),
        notes_ar: None,
        notes_fr: None,
        notes_en: None,
    }
}

/// Adds a release of a fresh package; returns it and its bytes.
async fn add(t: &TestMarket, version: &str, target: &str, seed: u8) -> (Release, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("Hanout_{version}_{target}.bin");
    let (file, bytes) = package(dir.path(), &name, seed, 150_000 + usize::from(seed));
    let release = admin::add_release(&t.market, input(&file, version, target))
        .await
        .unwrap();
    (release, bytes)
}

/// `GET path` with `headers`: status, headers, body.
async fn fetch(
    t: &TestMarket,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    t.send_full(request.body(Body::empty()).unwrap()).await
}

/// The update for an app at `current` on `target`/`arch`; `None` for 204.
async fn update(t: &TestMarket, target_arch_current: &str) -> Option<Value> {
    let (status, headers, body) = fetch(
        t,
        &format!("/v1/app/update/{target_arch_current}"),
        &[(header::HOST.as_str(), "souk.test")],
    )
    .await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    match status {
        StatusCode::NO_CONTENT => {
            assert!(body.is_empty());
            None
        }
        StatusCode::OK => Some(serde_json::from_slice(&body).unwrap()),
        other => panic!("{other}: {}", String::from_utf8_lossy(&body)),
    }
}

/// The path of an absolute package URL on `http://souk.test`.
fn path_of(url: &Value) -> String {
    url.as_str()
        .unwrap()
        .strip_prefix("http://souk.test")
        .unwrap_or_else(|| panic!("{url}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_gets_the_newest_version_for_its_system_only() {
    let t = test_market();
    add(&t, "0.1.0", "linux-x86_64", 1).await;
    let (appimage, _) = add(&t, "0.2.0", "linux-x86_64", 2).await;
    let (deb, _) = add(&t, "0.2.0", "linux-x86_64-deb", 3).await;
    add(&t, "0.2.0", "windows-x86_64-nsis", 4).await;
    add(&t, "0.3.0", "darwin-aarch64", 5).await;

    let manifest = update(&t, "linux/x86_64/0.1.0").await.unwrap();
    assert_eq!(manifest["version"], "0.2.0");
    // The test clock: 2026-03-01T00:00:00Z.
    assert_eq!(manifest["pub_date"], "2026-03-01T00:00:00Z");
    let platforms = manifest["platforms"].as_object().unwrap();
    let keys: Vec<&str> = platforms.keys().map(String::as_str).collect();
    assert_eq!(keys, ["linux-x86_64", "linux-x86_64-deb"]);
    for release in [&appimage, &deb] {
        let served = &platforms[&release.platform];
        assert_eq!(served["signature"], release.signature.as_str());
        assert_eq!(
            path_of(&served["url"]),
            format!("/v1/app/packages/{}/{}", release.sha256, release.file_name)
        );
        assert_eq!(manifest["sizes"][&release.platform], release.size);
    }
    assert_ne!(appimage.signature, deb.signature);
    assert_ne!(appimage.sha256, deb.sha256);
    assert!(manifest.get("notes").is_none(), "{manifest}");

    let older = update(&t, "linux/x86_64/0.0.9").await.unwrap();
    assert_eq!(older["version"], "0.2.0", "the newest, not the next");
    assert_eq!(update(&t, "linux/x86_64/0.2.0").await, None);
    assert_eq!(update(&t, "linux/x86_64/0.2.0%2Bbuild.7").await, None);
    assert_eq!(update(&t, "linux/x86_64/0.3.0").await, None);
    assert_eq!(update(&t, "linux/aarch64/0.1.0").await, None);
    let darwin = update(&t, "darwin/aarch64/0.2.0").await.unwrap();
    assert_eq!(darwin["version"], "0.3.0");
    let windows = update(&t, "windows/x86_64/0.1.0-beta.2").await.unwrap();
    let keys: Vec<&String> = windows["platforms"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["windows-x86_64-nsis"]);

    for bad in [
        "beos/x86_64/0.1.0",
        "linux/amd64/0.1.0",
        "linux/x86_64/latest",
        "linux/x86_64/0.1",
    ] {
        let (status, _, body) = fetch(&t, &format!("/v1/app/update/{bad}"), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error_kind(&body), ErrorKind::BadRequest, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_come_in_the_asked_language() {
    let t = test_market();
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = package(dir.path(), "Hanout.AppImage", 1, 1_000);
    let notes = ReleaseInput {
        notes_ar: Some("إصلاحات".to_owned()),
        notes_fr: Some("  Corrections\n".to_owned()),
        notes_en: Some("Fixes".to_owned()),
        ..input(&file, "0.2.0", "linux-x86_64")
    };
    admin::add_release(&t.market, notes).await.unwrap();
    let notes_in = |query: &'static str, accept: Option<&'static str>| {
        let t = &t;
        async move {
            let mut headers = vec![];
            if let Some(accept) = accept {
                headers.push((header::ACCEPT_LANGUAGE.as_str(), accept));
            }
            let (status, _, body) = fetch(
                t,
                &format!("/v1/app/update/linux/x86_64/0.1.0{query}"),
                &headers,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            serde_json::from_slice::<Value>(&body).unwrap()
        }
    };
    assert_eq!(notes_in("?lang=ar", None).await["notes"], "إصلاحات");
    assert_eq!(notes_in("?lang=en", None).await["notes"], "Fixes");
    assert_eq!(
        notes_in("?lang=fr", Some("en")).await["notes"],
        "Corrections"
    );
    assert_eq!(notes_in("", Some("en-GB,fr;q=0.5")).await["notes"], "Fixes");
    let plain = notes_in("", None).await;
    assert_eq!(plain["notes"], "Corrections");
    assert_eq!(
        plain["notes_i18n"],
        serde_json::json!({"ar": "إصلاحات", "fr": "Corrections", "en": "Fixes"})
    );

    // Only Arabic notes: every language gets them.
    let (file, _) = package(dir.path(), "Hanout-0.3.AppImage", 2, 1_000);
    let arabic = ReleaseInput {
        notes_ar: Some("جديد".to_owned()),
        notes_fr: Some("   ".to_owned()),
        ..input(&file, "0.3.0", "linux-x86_64")
    };
    admin::add_release(&t.market, arabic).await.unwrap();
    let only_arabic = notes_in("?lang=en", None).await;
    assert_eq!(only_arabic["version"], "0.3.0");
    assert_eq!(only_arabic["notes"], "جديد");
    assert_eq!(only_arabic["notes_i18n"], serde_json::json!({"ar": "جديد"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_download_whole_or_from_an_offset() {
    let t = test_market();
    packages_download_whole_or_from_an_offset_on(&t, 150_000).await;
}

/// Packages in a bucket (s3rver), several multipart parts long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_in_a_bucket_download_whole_or_from_an_offset() {
    let t = test_market_on(fresh_bucket());
    packages_download_whole_or_from_an_offset_on(&t, 11 * 1024 * 1024 + 7).await;
    assert!(
        !t.data_dir.join("blobs").exists(),
        "nothing in the data dir"
    );
}

async fn packages_download_whole_or_from_an_offset_on(t: &TestMarket, len: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (file, bytes) = package(dir.path(), "Hanout_0.2.0_amd64.deb", 9, len);
    let release = admin::add_release(&t.market, input(&file, "0.2.0", "linux-x86_64-deb"))
        .await
        .unwrap();
    assert_eq!(release.sha256, sha256_hex(&bytes));
    assert_eq!(release.size, bytes.len() as u64);
    assert_eq!(release.file_name, "Hanout_0.2.0_amd64.deb");
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "copied, not moved");
    assert_eq!(t.stored_package(&release.sha256).await.unwrap(), bytes);

    let manifest = update(t, "linux/x86_64/0.1.0").await.unwrap();
    let path = path_of(&manifest["platforms"]["linux-x86_64-deb"]["url"]);
    let (status, headers, body) = fetch(t, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha256_hex(&body), release.sha256);
    assert_eq!(body, bytes);
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(headers[header::ETAG], format!("\"{}\"", release.sha256));
    assert_eq!(headers[header::ACCEPT_RANGES], "bytes");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"Hanout_0.2.0_amd64.deb\""
    );
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );

    let from = len - 70_001;
    let (status, headers, body) = fetch(t, &path, &[("range", &format!("bytes={from}-"))]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, bytes[from..]);
    assert_eq!(
        headers[header::CONTENT_RANGE],
        format!("bytes {from}-{}/{len}", len - 1)
    );
    let (status, headers, _) = fetch(t, &path, &[("range", &format!("bytes={len}-"))]).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(headers[header::CONTENT_RANGE], format!("bytes */{len}"));
    let etag = format!("\"{}\"", release.sha256);
    let (status, _, body) = fetch(t, &path, &[("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0));
    let head = Request::head(&path).body(Body::empty()).unwrap();
    let (status, headers, body) = t.send_full(head).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 0));
    assert_eq!(headers[header::CONTENT_LENGTH], len.to_string());

    for wrong in [
        format!("/v1/app/packages/{}/Other.deb", release.sha256),
        format!(
            "/v1/app/packages/{}/Hanout_0.2.0_amd64.deb",
            sha256_hex(b"x")
        ),
        "/v1/app/packages/nothex/Hanout_0.2.0_amd64.deb".to_owned(),
    ] {
        let (status, _, body) = fetch(t, &wrong, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{wrong}");
        assert_eq!(error_kind(&body), ErrorKind::NotFound);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifest_urls_follow_the_host_the_client_asked_or_the_public_url() {
    let t = test_market();
    let (release, _) = add(&t, "0.2.0", "linux-x86_64", 1).await;
    let expected = format!("/v1/app/packages/{}/{}", release.sha256, release.file_name);
    // Behind a proxy on another port: the Host the client sent.
    let (status, _, body) = fetch(
        &t,
        "/v1/app/update/linux/x86_64/0.1.0",
        &[("host", "proxy.example:8443")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        manifest["platforms"]["linux-x86_64"]["url"],
        format!("http://proxy.example:8443{expected}")
    );

    let dir = tempfile::tempdir().unwrap();
    let public = crate::test_market_tuned(|config| {
        config.public_url = Some("https://souk.example.org".to_owned());
    });
    let (file, _) = package(dir.path(), "Hanout.AppImage", 1, 1_000);
    let release = admin::add_release(&public.market, input(&file, "0.2.0", "linux-x86_64"))
        .await
        .unwrap();
    let (_, _, body) = fetch(
        &public,
        "/v1/app/update/linux/x86_64/0.1.0",
        &[("host", "proxy.example:8443")],
    )
    .await;
    let manifest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        manifest["platforms"]["linux-x86_64"]["url"],
        format!(
            "https://souk.example.org/v1/app/packages/{}/Hanout.AppImage",
            release.sha256
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_version_and_platform_again_replaces_its_package() {
    let t = test_market();
    let (first, _) = add(&t, "0.2.0", "linux-x86_64", 1).await;
    let (again, bytes) = add(&t, "0.2.0", "linux-x86_64", 2).await;
    assert_ne!(first.sha256, again.sha256);
    let manifest = update(&t, "linux/x86_64/0.1.0").await.unwrap();
    let served = &manifest["platforms"]["linux-x86_64"];
    assert_eq!(served["signature"], again.signature.as_str());
    assert!(path_of(&served["url"]).contains(&again.sha256));
    assert_eq!(
        admin::list_releases(&t.market).unwrap(),
        std::slice::from_ref(&again)
    );
    // Nothing names the first package any more: it left the store.
    assert_eq!(t.stored_package(&first.sha256).await, None);
    let gone = format!("/v1/app/packages/{}/{}", first.sha256, first.file_name);
    assert_eq!(fetch(&t, &gone, &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.stored_package(&again.sha256).await.unwrap(), bytes);

    // One file for two keys: replacing one keeps it for the other.
    let dir = tempfile::tempdir().unwrap();
    let (shared, _) = package(dir.path(), "Hanout.app.tar.gz", 7, 5_000);
    for target in ["darwin-aarch64", "darwin-aarch64-app"] {
        admin::add_release(&t.market, input(&shared, "0.2.0", target))
            .await
            .unwrap();
    }
    let (other, _) = package(dir.path(), "Hanout2.app.tar.gz", 8, 5_000);
    admin::add_release(&t.market, input(&other, "0.2.0", "darwin-aarch64"))
        .await
        .unwrap();
    let kept = sha256_hex(&std::fs::read(&shared).unwrap());
    assert!(t.stored_package(&kept).await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_add_refuses_what_the_updater_could_not_use() {
    let t = test_market();
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = package(dir.path(), "Hanout.AppImage", 1, 1_000);
    let (empty, _) = package(dir.path(), "Empty.AppImage", 1, 0);
    let huge = dir.path().join("Huge.AppImage");
    // Sparse: only its length is looked at.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(admin::MAX_PACKAGE_BYTES + 1)
        .unwrap();
    let (spaced, _) = package(dir.path(), "Hanout App.AppImage", 1, 1_000);
    let cases = [
        (
            ReleaseInput {
                version: "0.2".to_owned(),
                ..input(&file, "0.2.0", "linux-x86_64")
            },
            "`0.2` is not a version",
        ),
        (
            input(&file, "0.2.0", "linux-x86"),
            "`linux-x86` is not a platform",
        ),
        (
            input(&file, "0.2.0", "plan9-x86_64"),
            "the system is `plan9`",
        ),
        (
            input(&file, "0.2.0", "windows-x86_64-deb"),
            "deb is an installer for linux",
        ),
        (
            ReleaseInput {
                signature: BASE64.encode("-----BEGIN PGP SIGNATURE-----"),
                ..input(&file, "0.2.0", "linux-x86_64")
            },
            "not one `tauri signer sign` writes (it does not decode to a minisign signature)",
        ),
        (
            ReleaseInput {
                signature: "untrusted comment: not base64".to_owned(),
                ..input(&file, "0.2.0", "linux-x86_64")
            },
            "(it is not base64)",
        ),
        (
            ReleaseInput {
                signature: " ".to_owned(),
                ..input(&file, "0.2.0", "linux-x86_64")
            },
            "(it is empty)",
        ),
        (
            input(
                &dir.path().join("Nowhere.AppImage"),
                "0.2.0",
                "linux-x86_64",
            ),
            "cannot read it",
        ),
        (input(&empty, "0.2.0", "linux-x86_64"), "it is empty"),
        (
            input(&huge, "0.2.0", "linux-x86_64"),
            "it is 513 MB; the limit is 512 MB",
        ),
        (input(&spaced, "0.2.0", "linux-x86_64"), "rename it"),
    ];
    for (case, says) in cases {
        let err = admin::add_release(&t.market, case.clone())
            .await
            .unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains(says), "{case:?}: {message}");
    }
    assert!(admin::list_releases(&t.market).unwrap().is_empty());
    assert_eq!(update(&t, "linux/x86_64/0.1.0").await, None);
}

/// The clean-up removes photos no listing shows; packages are no photos.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cleanup_leaves_packages_alone() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let unused = upload(&t, &device.token, &photo(3, 2_000)).await;
    let (release, bytes) = add(&t, "0.2.0", "linux-x86_64", 1).await;
    cleanup::run_once(&t.market).await.unwrap();
    t.advance(8 * DAY_MS);
    let report = cleanup::run_once(&t.market).await.unwrap();
    assert_eq!(report.photos_removed, [unused]);
    assert_eq!(t.stored_package(&release.sha256).await.unwrap(), bytes);
    let path = format!("/v1/app/packages/{}/{}", release.sha256, release.file_name);
    let (status, _, body) = fetch(&t, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
}

/// `release add` on the real binary, with the `.sig` file's path or its
/// text, then `release list`, then `serve` hands the update out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_add_from_the_command_line_then_served() {
    let t = test_market();
    let dir = tempfile::tempdir().unwrap();
    let (appimage, appimage_bytes) = package(dir.path(), "Hanout_0.2.0_amd64.AppImage", 1, 90_000);
    let sig_file = dir.path().join("Hanout_0.2.0_amd64.AppImage.sig");
    let appimage_sig = signature("appimage");
    // As `tauri signer sign` writes it: no newline; with one, trimmed.
    std::fs::write(&sig_file, format!("{appimage_sig}\n")).unwrap();
    let (deb, deb_bytes) = package(dir.path(), "Hanout_0.2.0_amd64.deb", 2, 80_000);
    let deb_sig = signature("deb");

    let run = |args: &[&str]| {
        let output = t.command(args).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let printed = run(&[
        "release",
        "add",
        appimage.to_str().unwrap(),
        "--version",
        "0.2.0",
        "--target",
        "linux-x86_64",
        "--signature",
        sig_file.to_str().unwrap(),
        "--notes-fr",
        "Corrections",
        "--notes-ar",
        "إصلاحات",
    ]);
    assert_eq!(
        printed,
        format!(
            "added release 0.2.0 for linux-x86_64 (90000 bytes, sha256 {})\n",
            sha256_hex(&appimage_bytes)
        )
    );
    let printed = run(&[
        "release",
        "add",
        deb.to_str().unwrap(),
        "--version",
        "0.2.0",
        "--target",
        "linux-x86_64-deb",
        "--signature",
        &deb_sig,
        "--notes-en",
        "Fixes",
    ]);
    assert!(
        printed.starts_with("added release 0.2.0 for linux-x86_64-deb (80000 bytes, sha256 "),
        "{printed:?}"
    );
    assert!(
        appimage.exists() && deb.exists(),
        "the operator's files stay"
    );

    let refused = t
        .command(&[
            "release",
            "add",
            deb.to_str().unwrap(),
            "--version",
            "two",
            "--target",
            "linux-x86_64-deb",
            "--signature",
            &deb_sig,
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("`two` is not a version"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let listed = run(&["release", "list"]);
    let rows: Vec<Vec<&str>> = listed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 2, "{listed:?}");
    assert_eq!(rows[0][..3], ["0.2.0", "linux-x86_64", "90000"]);
    assert_eq!(rows[1][..3], ["0.2.0", "linux-x86_64-deb", "80000"]);
    assert!(rows[0][3].ends_with(" GMT"), "{listed:?}");

    let server = Serving::start(&mut t.command(&["serve", "--listen", "127.0.0.1:0"]));
    let client = reqwest::Client::new();
    let answer = client
        .get(format!(
            "{}/v1/app/update/linux/x86_64/0.1.0?lang=ar",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let manifest: Value = answer.json().await.unwrap();
    assert_eq!(manifest["version"], "0.2.0");
    assert_eq!(manifest["notes"], "إصلاحات");
    assert_eq!(
        manifest["platforms"]["linux-x86_64"]["signature"],
        appimage_sig.as_str()
    );
    assert_eq!(
        manifest["platforms"]["linux-x86_64-deb"]["signature"],
        deb_sig.as_str()
    );
    for (key, bytes) in [
        ("linux-x86_64", &appimage_bytes),
        ("linux-x86_64-deb", &deb_bytes),
    ] {
        let url = manifest["platforms"][key]["url"].as_str().unwrap();
        assert!(url.starts_with(&server.base), "{url}");
        let downloaded = client.get(url).send().await.unwrap();
        assert_eq!(downloaded.status().as_u16(), 200);
        let downloaded = downloaded.bytes().await.unwrap();
        assert_eq!(sha256_hex(&downloaded), sha256_hex(bytes));
        let rest = client
            .get(url)
            .header("range", "bytes=1000-")
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status().as_u16(), 206);
        assert_eq!(rest.bytes().await.unwrap().as_ref(), &bytes[1000..]);
    }
    let up_to_date = client
        .get(format!("{}/v1/app/update/linux/x86_64/0.2.0", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(up_to_date.status().as_u16(), 204);
}

/// A version the server cannot read is refused with what is wrong.
#[tokio::test]
async fn a_bad_version_says_what_is_wrong() {
    let t = test_market();
    let (status, body) = t.send(get("/v1/app/update/linux/x86_64/v1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&body).contains("`v1` is not a version"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}
