//! The manager's data: what the engine counts is what the wire carries
//! (measured at a link shaper between it and a real marketplace); a daily
//! budget stops a pass at a clean point and never spends past it; on a
//! metered link text and thumbnails go, display-size photos wait until
//! "send photos now".

use std::collections::HashMap;

use store::SyncPrefs;
use sync::{Config, Report, sync_once};
use test_support::TestMarket;
use test_support::shaper::{LinkSpec, Shaper};

use crate::photos::{Device, device, listing_with_photos, market_with_code, photo_bytes};

fn config() -> Config {
    Config {
        // Whatever this machine's NetworkManager says, the tests say.
        detect_metered: false,
        ..Config::default()
    }
}

fn set_prefs(device: &Device, prefs: SyncPrefs) {
    device.store.lock().unwrap().set_sync_prefs(&prefs).unwrap();
}

fn data_used_today(device: &Device) -> u64 {
    let now = sync::Clock::now_ms(&sync::SystemClock);
    device.store.lock().unwrap().data_used(now).unwrap()
}

/// Three listings of a cooperative: two photos, one, none; each photo a
/// 300 KB display and a 20 KB thumbnail.
fn catalog(device: &Device) -> Vec<(store::ListingId, Vec<store::PhotoRecord>)> {
    let photo = |seed: u8| (photo_bytes(seed, 300_000), photo_bytes(seed + 100, 20_000));
    vec![
        listing_with_photos(device, "Tapis Beni Ouarain", &[photo(1), photo(2)]),
        listing_with_photos(device, "Tajine de Safi", &[photo(3)]),
        listing_with_photos(device, "Huile d'argan 250 ml", &[]),
    ]
}

/// Photos each public listing shows, by id.
async fn public_photos(server: &TestMarket) -> HashMap<uuid::Uuid, usize> {
    server
        .catalog()
        .await
        .listings
        .into_iter()
        .map(|l| (l.id, l.photos.len()))
        .collect()
}

/// Which of `hashes` the marketplace lacks, asked as the device would.
async fn missing_on_server(server: &TestMarket, device: &Device, hashes: &[String]) -> Vec<String> {
    let token = device
        .store
        .lock()
        .unwrap()
        .setting(store::SettingKey::DeviceToken)
        .unwrap()
        .unwrap();
    let answer: protocol::PhotosMissingResponse = reqwest::Client::new()
        .post(format!("{}/v1/photos/missing", server.url()))
        .bearer_auth(token)
        .json(&protocol::PhotosMissingRequest {
            hashes: hashes.to_vec(),
        })
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut missing = answer.missing;
    missing.sort_by_key(|h| hashes.iter().position(|x| x == h));
    missing
}

/// The engine's count against the shaper's: the same bytes, give or take
/// the few bytes of chunk framing per answer.
fn assert_counted_like_the_wire(report: &Report, shaper: &Shaper, before: (u64, u64)) {
    let wire = shaper.counters();
    let (up, down) = (wire.up_bytes - before.0, wire.down_bytes - before.1);
    let slack = |n: u64| n / 200 + 64 * wire.requests.max(1);
    assert!(
        report.bytes_up.abs_diff(up) <= slack(up),
        "counted {} bytes up, the wire carried {up}",
        report.bytes_up
    );
    assert!(
        report.bytes_down.abs_diff(down) <= slack(down),
        "counted {} bytes down, the wire carried {down}",
        report.bytes_down
    );
}

#[tokio::test]
async fn what_the_engine_counts_is_what_the_wire_carries() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let shaper = Shaper::start(server.addr, LinkSpec::default())
        .await
        .unwrap();
    let a = device(dir.path(), "a", &shaper.url(), &code, config());
    let listings = catalog(&a);

    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.accepted, 3);
    assert_eq!(report.photos_uploaded, 6);
    assert!(!report.budget_reached);
    assert_counted_like_the_wire(&report, &shaper, (0, 0));
    // The day's count, persisted, is the pass's.
    assert_eq!(data_used_today(&a), report.bytes_up + report.bytes_down);
    let shown = public_photos(&server).await;
    assert_eq!(shown[&listings[0].0.uuid()], 2);
}

#[tokio::test]
async fn a_daily_budget_is_never_overspent_and_stops_at_a_clean_point() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let shaper = Shaper::start(server.addr, LinkSpec::default())
        .await
        .unwrap();
    let a = device(dir.path(), "a", &shaper.url(), &code, config());
    let listings = catalog(&a);
    let budget = 450_000;
    set_prefs(
        &a,
        SyncPrefs {
            daily_budget_bytes: Some(budget),
            ..SyncPrefs::default()
        },
    );

    let first = sync_once(&a.engine).await.unwrap();
    assert!(first.budget_reached, "{first:?}");
    let wire = shaper.counters();
    assert!(
        wire.up_bytes + wire.down_bytes <= budget,
        "the wire carried {} bytes on a {budget}-byte budget",
        wire.up_bytes + wire.down_bytes
    );
    assert_counted_like_the_wire(&first, &shaper, (0, 0));
    assert!(data_used_today(&a) <= budget);
    // Text first: every listing is on the marketplace…
    assert_eq!(first.accepted, 3);
    // …and no listing shows part of its photos.
    let shown = public_photos(&server).await;
    assert_eq!(shown.len(), 3);
    assert!(matches!(shown[&listings[0].0.uuid()], 0 | 2), "{shown:?}");
    // What waits is said, with its size (at most all the photo files).
    assert!(first.photo_bytes_waiting > 0 && first.photo_bytes_waiting <= 3 * 320_000);

    // The same day, with next to nothing left: still within the budget.
    let again = sync_once(&a.engine).await.unwrap();
    assert!(again.budget_reached);
    let after = shaper.counters();
    assert!(
        after.up_bytes + after.down_bytes <= budget,
        "a spent budget was overspent: {after:?}"
    );

    // The manager raises the budget: the rest goes, from where it stopped.
    set_prefs(&a, SyncPrefs::default());
    let before = shaper.counters();
    let last = sync_once(&a.engine).await.unwrap();
    assert!(!last.budget_reached);
    assert_counted_like_the_wire(&last, &shaper, (before.up_bytes, before.down_bytes));
    let photo_bytes = 3 * 320_000;
    let sent = first.photo_bytes_sent + again.photo_bytes_sent + last.photo_bytes_sent;
    assert!(
        sent <= photo_bytes + 16 * 1024,
        "{sent} photo bytes sent for {photo_bytes}: the budget's stop cost more than a sliver"
    );
    let shown = public_photos(&server).await;
    assert_eq!(shown[&listings[0].0.uuid()], 2);
    assert_eq!(shown[&listings[1].0.uuid()], 1);
}

#[tokio::test]
async fn a_metered_link_carries_text_and_thumbnails_until_photos_are_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, config());
    let listings = catalog(&a);
    let metered = SyncPrefs {
        metered: Some(true),
        ..SyncPrefs::default()
    };
    set_prefs(&a, metered);

    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.accepted, 3);
    assert_eq!(report.photos_held, 3);
    assert_eq!(report.photos_uploaded, 3, "the thumbnails");
    assert_eq!(report.photo_bytes_sent, 3 * 20_000);
    assert!(report.photo_bytes_waiting >= 3 * 300_000);
    let thumbs: Vec<String> = listings
        .iter()
        .flat_map(|(_, records)| records.iter().map(|r| r.thumb_sha256.clone()))
        .collect();
    let displays: Vec<String> = listings
        .iter()
        .flat_map(|(_, records)| records.iter().map(|r| r.display_sha256.clone()))
        .collect();
    assert!(missing_on_server(&server, &a, &thumbs).await.is_empty());
    assert_eq!(missing_on_server(&server, &a, &displays).await, displays);
    // The listings show their photos already, by their thumbnails (a
    // buyer asking for a display-size one gets its thumbnail meanwhile).
    let shown = public_photos(&server).await;
    assert_eq!(shown[&listings[0].0.uuid()], 2);
    assert_eq!(shown[&listings[1].0.uuid()], 1);
    let display = &listings[0].1[0].display_sha256;
    let meanwhile = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/photos/{display}.jpg", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(meanwhile.status(), reqwest::StatusCode::TEMPORARY_REDIRECT);

    // Another laptop of the cooperative, on a metered link too: it takes
    // the listings and their thumbnails, not the display-size photos.
    let code_b = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    let b = device(dir.path(), "b", &server.url(), &code_b, config());
    set_prefs(&b, metered);

    // "Send photos now": they go, this once, and the listings show them.
    a.engine.send_photos_now();
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.photos_held, 0);
    assert_eq!(report.photos_uploaded, 3);
    assert!(missing_on_server(&server, &a, &displays).await.is_empty());
    let shown = public_photos(&server).await;
    assert_eq!(shown[&listings[0].0.uuid()], 2);
    assert_eq!(shown[&listings[1].0.uuid()], 1);

    let pulled = sync_once(&b.engine).await.unwrap();
    assert_eq!(pulled.photos_downloaded, 3, "the thumbnails only");
    assert_eq!(
        b.store.lock().unwrap().photo_downloads_waiting().unwrap(),
        3
    );
    set_prefs(&b, SyncPrefs::default());
    let pulled = sync_once(&b.engine).await.unwrap();
    assert_eq!(pulled.photos_downloaded, 3, "the display photos");
    assert_eq!(
        b.store.lock().unwrap().photo_downloads_waiting().unwrap(),
        0
    );
}

/// A catalogue with more photos than the first question covers, on a day's
/// budget that runs out within the first listings' thumbnails: every
/// listing's text still reached the marketplace (on a budget, text goes
/// before any photo; without one, the first listings go ahead of the rest).
#[tokio::test]
async fn a_budget_spent_on_photos_never_keeps_a_listings_text_back() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, config());
    for i in 0..14u8 {
        let photos: Vec<_> = (0..3u8)
            .map(|k| {
                let seed = 3 * i + k;
                (photo_bytes(seed, 40_000), photo_bytes(seed ^ 0x80, 8_000))
            })
            .collect();
        listing_with_photos(&a, &format!("Poterie de Tamegroute n° {i}"), &photos);
    }
    set_prefs(
        &a,
        SyncPrefs {
            daily_budget_bytes: Some(60_000),
            ..SyncPrefs::default()
        },
    );

    let report = sync_once(&a.engine).await.unwrap();
    assert!(report.budget_reached, "{report:?}");
    assert_eq!(report.accepted, 14, "{report:?}");
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
    assert_eq!(server.catalog().await.listings.len(), 14);
}
