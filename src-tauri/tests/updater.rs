//! The whole way of an update (issue 14), on Linux: a real `hanout-market`
//! serves version 0.2.0 signed with a throwaway key made here; the app's
//! sync engine (version 0.1.0) finds it, downloads it through a link that
//! cuts every connection, verifies it; then tauri-plugin-updater's install
//! step, configured as the app configures it, replaces the running
//! AppImage with it (a stand-in file: the plugin's own AppImage path, no
//! OS call stubbed). A package changed after it was verified is refused
//! by the plugin and the AppImage stays as it was.
#![cfg(target_os = "linux")]

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use store::SettingKey;
use sync::{AppUpdate, AppUpdateConfig, Engine};
use tauri_plugin_updater::UpdaterExt as _;
use test_support::TestMarket;
use test_support::shaper::{LinkSpec, Shaper};

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// An AppImage-like package: an ELF magic, then bytes that do not compress.
fn package(len: usize) -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0".to_vec();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_found_downloaded_and_verified_by_the_engine_is_installed_by_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    // `tauri signer generate`'s formats: base64 of minisign's text files.
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let pubkey = b64(&pair.pk.to_box().unwrap().to_string());
    let new_version = package(600_000);
    let signature = minisign::sign(
        Some(&pair.pk),
        &pair.sk,
        Cursor::new(&new_version),
        Some("timestamp:1796600000\tfile:Hanout_0.2.0_amd64.AppImage\tversion:0.2.0"),
        Some("signature from tauri secret key"),
    )
    .unwrap();

    // The marketplace, with the release as `hanout-market release add` adds it.
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let file = dir.path().join("Hanout_0.2.0_amd64.AppImage");
    std::fs::write(&file, &new_version).unwrap();
    market::admin::add_release(
        &market,
        market::admin::ReleaseInput {
            file,
            version: "0.2.0".to_owned(),
            target: "linux-x86_64".to_owned(),
            signature: b64(&signature.to_string()),
            notes_ar: Some("ملصقات الأسعار".to_owned()),
            notes_fr: Some("Étiquettes de prix".to_owned()),
            notes_en: Some("Price labels".to_owned()),
        },
    )
    .await
    .unwrap();
    let server = TestMarket::start(market).await;
    let link = Shaper::start(
        server.addr,
        LinkSpec {
            cut_every: Some(Duration::from_millis(800)),
            ..LinkSpec::symmetric(2000, Duration::from_millis(60))
        },
    )
    .await
    .unwrap();

    // The app at 0.1.0: its catalog, its engine.
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    let catalog = store::open(&dir.path().join("app/catalog.db")).unwrap();
    catalog
        .set_setting(SettingKey::MarketUrl, Some(&link.url()))
        .unwrap();
    catalog
        .set_setting(SettingKey::EnrollCode, Some(&code))
        .unwrap();
    let update = AppUpdateConfig {
        target: "linux".to_owned(),
        arch: "x86_64".to_owned(),
        installer: None,
        current_version: "0.1.0".to_owned(),
        pubkey: pubkey.clone(),
        dir: dir.path().join("app/updates"),
        check_every: AppUpdateConfig::DAILY,
    };
    let engine = Engine::new(
        Arc::new(Mutex::new(catalog)),
        Arc::new(sync::SystemClock),
        sync::Config {
            detect_metered: false,
            retry_min: Duration::from_millis(100),
            request_timeout: Duration::from_secs(10),
            app_update: Some(update.clone()),
            ..sync::Config::default()
        },
    )
    .unwrap();
    let mut ready = None;
    for _ in 0..30 {
        // A pass a cut failed is tried again, as the run loop does.
        if let Ok(report) = sync::sync_once(&engine).await
            && let Some(AppUpdate::Ready(found)) = report.app_update
        {
            ready = Some(found);
            break;
        }
    }
    let ready = ready.expect("the update was ready within 30 passes");
    assert!(link.counters().cuts >= 1, "{:?}", link.counters());
    server.stop().await;

    // The app's plugin, as `lib.rs` registers it, with this build's key.
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".to_owned(),
        serde_json::json!({ "pubkey": pubkey }),
    );
    let app = tauri::test::mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(context)
        .unwrap();
    assert_eq!(app.package_info().version.to_string(), "0.1.0");
    let appimage = dir.path().join("bin/Hanout.AppImage");
    std::fs::create_dir_all(appimage.parent().unwrap()).unwrap();
    std::fs::write(&appimage, package(1000)).unwrap();

    // A package changed on disk after the engine verified it: refused.
    let tampered = dir.path().join("tampered.pkg");
    let mut bytes = std::fs::read(&ready.package).unwrap();
    bytes[300_000] ^= 0x01;
    std::fs::write(&tampered, &bytes).unwrap();
    let refused = hanout_app::updates::install_with(
        app.handle().updater_builder().executable_path(&appimage),
        &sync::ReadyUpdate {
            package: tampered,
            ..ready.clone()
        },
    );
    assert!(refused.is_err(), "a tampered package was installed");
    assert_eq!(std::fs::read(&appimage).unwrap(), package(1000));

    // The verified one: the AppImage is now version 0.2.0.
    hanout_app::updates::install_with(
        app.handle().updater_builder().executable_path(&appimage),
        &ready,
    )
    .unwrap();
    assert_eq!(std::fs::read(&appimage).unwrap(), new_version);
}
