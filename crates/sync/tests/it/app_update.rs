//! App updates through the engine (issue 14): a real marketplace serves a
//! release signed with a throwaway key made here; the engine finds it,
//! downloads it through a link that cuts every connection, resumes after a
//! restart, verifies it, and refuses a tampered or mis-signed package.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use store::SyncPrefs;
use sync::{AppUpdate, AppUpdateConfig, Config, Engine, Report, sync_once};
use test_support::TestMarket;
use test_support::shaper::{LinkSpec, Shaper};

use crate::photos::{Device, device};

/// A minisign key pair as `tauri signer generate` makes them: the public
/// key as base64 of its text file (what `tauri.conf.json` holds).
struct Key {
    public: String,
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

fn key() -> Key {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let text = pair.pk.to_box().unwrap().to_string();
    Key {
        public: b64(&text),
        pk: pair.pk,
        sk: pair.sk,
    }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The signature `tauri signer sign --app-version VERSION` writes (base64
/// of the `.sig` file's text).
fn sign(key: &Key, bytes: &[u8], version: &str) -> String {
    let trusted = format!("timestamp:1796600000\tfile:hanout.AppImage\tversion:{version}");
    let signature = minisign::sign(
        Some(&key.pk),
        &key.sk,
        Cursor::new(bytes),
        Some(&trusted),
        Some("signature from tauri secret key"),
    )
    .unwrap();
    b64(&signature.to_string())
}

/// An AppImage-like package: an ELF magic, then bytes that do not compress.
fn package(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0".to_vec();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Adds a release to the marketplace as `hanout-market release add` does.
async fn release(
    market: &market::Market,
    dir: &Path,
    version: &str,
    target: &str,
    bytes: &[u8],
    signature: String,
) {
    let file = dir.join(format!("hanout-{version}-{target}.bin"));
    std::fs::write(&file, bytes).unwrap();
    market::admin::add_release(
        market,
        market::admin::ReleaseInput {
            file,
            version: version.to_owned(),
            target: target.to_owned(),
            signature,
            notes_ar: Some("ملصقات الأسعار".to_owned()),
            notes_fr: Some("Étiquettes de prix".to_owned()),
            notes_en: None,
        },
    )
    .await
    .unwrap();
}

/// The system clock, moved on by the test (a day later, to be due again).
#[derive(Default)]
struct Later(AtomicI64);

impl sync::Clock for Later {
    fn now_ms(&self) -> i64 {
        sync::SystemClock.now_ms() + self.0.load(Ordering::Relaxed)
    }
}

fn update_config(dir: &Path, key: &Key, installer: Option<&str>) -> AppUpdateConfig {
    AppUpdateConfig {
        target: "linux".to_owned(),
        arch: "x86_64".to_owned(),
        installer: installer.map(str::to_owned),
        current_version: "0.1.0".to_owned(),
        pubkey: key.public.clone(),
        dir: dir.join("updates"),
        check_every: AppUpdateConfig::DAILY,
    }
}

fn config(update: &AppUpdateConfig) -> Config {
    Config {
        detect_metered: false,
        retry_min: Duration::from_millis(100),
        request_timeout: Duration::from_secs(10),
        app_update: Some(update.clone()),
        ..Config::default()
    }
}

/// A marketplace with the cooperative `atlas`, and a code to enroll.
fn marketplace(dir: &Path) -> (market::Market, String) {
    let market = market::Market::open(&dir.join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    (market, code)
}

/// The same device (its catalog and updates folder) with a new engine, as
/// after the app restarted.
fn restarted(device: &Device, config: Config, clock: Arc<Later>) -> Engine {
    Engine::new(device.store.clone(), clock, config).unwrap()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

async fn pass(engine: &Engine) -> Report {
    sync_once(engine).await.unwrap()
}

/// Passes until one's report says `done` (a pass a cut failed is tried
/// again, as the run loop does), at most 30.
async fn pass_until(engine: &Engine, done: impl Fn(&Report) -> bool) -> Report {
    for _ in 0..30 {
        if let Ok(report) = sync_once(engine).await
            && done(&report)
        {
            return report;
        }
    }
    panic!("no pass of 30 got there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_comes_through_a_cut_link_resumes_after_a_restart_and_is_verified() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (market, code) = marketplace(dir.path());
    let appimage = package(1_500_000, 1);
    let deb = package(400_000, 2);
    release(
        &market,
        dir.path(),
        "0.2.0",
        "linux-x86_64",
        &appimage,
        sign(&key, &appimage, "0.2.0"),
    )
    .await;
    release(
        &market,
        dir.path(),
        "0.2.0",
        "linux-x86_64-deb",
        &deb,
        sign(&key, &deb, "0.2.0"),
    )
    .await;
    let server = TestMarket::start(market).await;
    // 2 Mbit/s, 80 ms round trip, every connection reset every 1.5 s.
    let spec = LinkSpec {
        cut_every: Some(Duration::from_millis(1500)),
        ..LinkSpec::symmetric(2000, Duration::from_millis(80))
    };
    let link = Shaper::start(server.addr, spec).await.unwrap();
    let update = update_config(dir.path(), &key, None);
    let clock = Arc::new(Later::default());
    let laptop = device(dir.path(), "laptop", &link.url(), &code, config(&update));

    // First run: the day's budget ends in the middle of the package.
    laptop
        .store
        .lock()
        .unwrap()
        .set_sync_prefs(&SyncPrefs {
            daily_budget_bytes: Some(700_000),
            ..SyncPrefs::default()
        })
        .unwrap();
    let engine = restarted(&laptop, config(&update), clock.clone());
    pass_until(&engine, |r| r.budget_reached).await;
    let partial = update.dir.join("hanout-0.2.0-linux-x86_64.part");
    let have = std::fs::metadata(&partial).unwrap().len();
    assert!(
        (100_000..appimage.len() as u64).contains(&have),
        "{have} bytes kept of {}",
        appimage.len()
    );
    assert!(sync::update::ready(&update).is_none());
    drop(engine);

    // Restarted, with no budget: the rest, from where it stopped.
    laptop
        .store
        .lock()
        .unwrap()
        .set_sync_prefs(&SyncPrefs::default())
        .unwrap();
    let engine = restarted(&laptop, config(&update), clock.clone());
    let before = link.counters().down_bytes;
    let report = pass_until(&engine, |r| {
        matches!(r.app_update, Some(AppUpdate::Ready(_)))
    })
    .await;
    let Some(AppUpdate::Ready(ready)) = report.app_update else {
        unreachable!()
    };
    let received = link.counters().down_bytes - before;
    assert!(link.counters().cuts >= 2, "{:?}", link.counters());
    // What came after the restart is the rest of the package (and what the
    // cuts lost in flight, and the requests' answers), not all of it again.
    let rest = appimage.len() as u64 - have;
    assert!(
        received < rest + rest / 5 + 64 * 1024,
        "received {received} bytes for the {rest} left"
    );
    assert_eq!(ready.version, "0.2.0");
    assert_eq!(std::fs::read(&ready.package).unwrap(), appimage);
    assert_eq!(
        ready.notes.get("fr").map(String::as_str),
        Some("Étiquettes de prix")
    );
    assert_eq!(
        ready.notes.get("ar").map(String::as_str),
        Some("ملصقات الأسعار")
    );
    // What the plugin's `restore_update` reads: the manifest as served.
    assert_eq!(ready.manifest["version"], "0.2.0");
    assert!(ready.manifest["platforms"]["linux-x86_64"]["url"].is_string());
    assert!(!partial.exists());
    // Known after another restart without asking anyone.
    assert_eq!(sync::update::ready(&update), Some(ready.clone()));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deb_install_takes_the_deb_and_the_check_is_daily() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (market, code) = marketplace(dir.path());
    let server = TestMarket::start(market.clone()).await;
    let update = update_config(dir.path(), &key, Some("deb"));
    let clock = Arc::new(Later::default());
    let laptop = device(dir.path(), "laptop", &server.url(), &code, config(&update));
    let engine = restarted(&laptop, config(&update), clock.clone());

    // Nothing newer yet: 204, nothing kept.
    assert_eq!(pass(&engine).await.app_update, None);
    let appimage = package(50_000, 3);
    let deb = package(30_000, 4);
    release(
        &market,
        dir.path(),
        "0.2.0",
        "linux-x86_64",
        &appimage,
        sign(&key, &appimage, "0.2.0"),
    )
    .await;
    release(
        &market,
        dir.path(),
        "0.2.0",
        "linux-x86_64-deb",
        &deb,
        sign(&key, &deb, "0.2.0"),
    )
    .await;
    // Asked today already: not again until tomorrow.
    assert_eq!(pass(&engine).await.app_update, None);
    clock.0.store(25 * 3600 * 1000, Ordering::Relaxed);
    let Some(AppUpdate::Ready(ready)) = pass(&engine).await.app_update else {
        panic!("a day later the update is found");
    };
    assert_eq!(std::fs::read(&ready.package).unwrap(), deb);
    assert_eq!(
        ready.package.file_name().unwrap(),
        "hanout-0.2.0-linux-x86_64-deb.pkg"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_mis_signed_package_is_refused_and_not_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (market, code) = marketplace(dir.path());
    let genuine = package(200_000, 5);
    let mut tampered = genuine.clone();
    tampered[100_000] ^= 0x01;
    release(
        &market,
        dir.path(),
        "0.2.0",
        "linux-x86_64",
        &tampered,
        sign(&key, &genuine, "0.2.0"),
    )
    .await;
    let server = TestMarket::start(market.clone()).await;
    let link = Shaper::start(
        server.addr,
        LinkSpec::symmetric(8000, Duration::from_millis(10)),
    )
    .await
    .unwrap();
    let update = update_config(dir.path(), &key, None);
    let clock = Arc::new(Later::default());
    let laptop = device(dir.path(), "laptop", &link.url(), &code, config(&update));
    let engine = restarted(&laptop, config(&update), clock.clone());

    let Some(AppUpdate::Refused { version, reason }) = pass(&engine).await.app_update else {
        panic!("a tampered package is refused");
    };
    assert_eq!(version, "0.2.0");
    assert!(reason.contains("does not match its signature"), "{reason}");
    assert!(sync::update::ready(&update).is_none());
    assert_eq!(files_in(&update.dir), vec![update.dir.join("update.json")]);
    // The same package is not fetched again, pass after pass.
    let before = link.counters().down_bytes;
    let again = pass(&engine).await;
    assert!(matches!(again.app_update, Some(AppUpdate::Refused { .. })));
    assert!(link.counters().down_bytes - before < 20_000);

    // Signed by another key, or for another version: refused too.
    let stranger = self::key();
    let other = package(20_000, 6);
    release(
        &market,
        dir.path(),
        "0.3.0",
        "linux-x86_64",
        &other,
        sign(&stranger, &other, "0.3.0"),
    )
    .await;
    clock.0.store(25 * 3600 * 1000, Ordering::Relaxed);
    let Some(AppUpdate::Refused { version, .. }) = pass(&engine).await.app_update else {
        panic!("a package signed by another key is refused");
    };
    assert_eq!(version, "0.3.0");
    release(
        &market,
        dir.path(),
        "0.4.0",
        "linux-x86_64",
        &other,
        sign(&key, &other, "0.3.5"),
    )
    .await;
    clock.0.store(50 * 3600 * 1000, Ordering::Relaxed);
    let Some(AppUpdate::Refused { version, reason }) = pass(&engine).await.app_update else {
        panic!("a package signed for another version is refused");
    };
    assert_eq!(version, "0.4.0");
    assert!(reason.contains("signed for version 0.3.5"), "{reason}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metered_link_holds_the_update_until_the_manager_says() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let (market, code) = marketplace(dir.path());
    let appimage = package(120_000, 7);
    release(
        &market,
        dir.path(),
        "0.2.0",
        "linux-x86_64",
        &appimage,
        sign(&key, &appimage, "0.2.0"),
    )
    .await;
    let server = TestMarket::start(market).await;
    let update = update_config(dir.path(), &key, None);
    let laptop = device(dir.path(), "laptop", &server.url(), &code, config(&update));
    laptop
        .store
        .lock()
        .unwrap()
        .set_sync_prefs(&SyncPrefs {
            metered: Some(true),
            ..SyncPrefs::default()
        })
        .unwrap();
    let engine = restarted(&laptop, config(&update), Arc::default());
    assert_eq!(
        pass(&engine).await.app_update,
        Some(AppUpdate::Held {
            version: "0.2.0".to_owned(),
            total: Some(appimage.len() as u64)
        })
    );
    assert_eq!(files_in(&update.dir), vec![update.dir.join("update.json")]);
    engine.update_now();
    let Some(AppUpdate::Ready(ready)) = pass(&engine).await.app_update else {
        panic!("downloaded once the manager said so");
    };
    assert_eq!(std::fs::read(&ready.package).unwrap(), appimage);
    server.stop().await;
}

#[test]
fn a_signature_made_by_the_tauri_cli_verifies() {
    // `tauri signer generate` and `tauri signer sign --app-version 0.2.0`
    // (CLI 2.x), kept as files: the format the release workflow produces.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/update");
    let bytes = std::fs::read(data.join("package.bin")).unwrap();
    let signature = std::fs::read_to_string(data.join("package.bin.sig")).unwrap();
    let public = std::fs::read_to_string(data.join("key.pub")).unwrap();
    assert_eq!(
        sync::update::verify(&bytes, &signature, &public, "0.2.0"),
        Ok(())
    );
    assert!(
        sync::update::verify(&bytes, &signature, &public, "0.2.1")
            .unwrap_err()
            .contains("signed for version 0.2.0")
    );
    let mut changed = bytes.clone();
    changed[0] ^= 0x20;
    assert!(sync::update::verify(&changed, &signature, &public, "0.2.0").is_err());
}
