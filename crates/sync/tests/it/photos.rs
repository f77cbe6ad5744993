//! Photos reach the marketplace with their listings: only the missing
//! blobs are uploaded, an upload cut off mid-file resumes from the server's
//! offset, also after a restart.

use std::path::Path;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use store::{NewListing, PhotoRecord, Price, SettingKey, Titles};
use sync::{Config, Engine, ErrorKind, SystemClock, sync_once};
use test_support::TestMarket;

use crate::proxy::Proxy;

/// `len` bytes that differ with `seed` (the server does not look inside).
pub(crate) fn photo_bytes(seed: u8, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block: [u8; 32] = Sha256::digest([seed]).into();
    while out.len() < len {
        out.extend_from_slice(&block);
        block = Sha256::digest(block).into();
    }
    out.truncate(len);
    out
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores a photo (display and thumbnail) where the app's pipeline would.
pub(crate) fn import_photo(
    store: &store::Store,
    root: &Path,
    display: &[u8],
    thumb: &[u8],
) -> PhotoRecord {
    for bytes in [display, thumb] {
        let path = sync::photo_path(root, &sha256_hex(bytes));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let record = PhotoRecord {
        display_sha256: sha256_hex(display),
        thumb_sha256: sha256_hex(thumb),
        width: 1600,
        height: 1200,
        source_name: None,
    };
    store.record_photo(&record, 1).unwrap();
    record
}

pub(crate) struct Device {
    pub store: sync::SharedStore,
    pub engine: Engine,
    pub path: std::path::PathBuf,
}

pub(crate) fn device(dir: &Path, name: &str, url: &str, code: &str, config: Config) -> Device {
    let path = dir.join(name).join("catalog.db");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let store = store::open(&path).unwrap();
    store.set_setting(SettingKey::MarketUrl, Some(url)).unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some(code))
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), config).unwrap();
    Device {
        store,
        engine,
        path,
    }
}

pub(crate) fn root(device: &Device) -> std::path::PathBuf {
    device.path.parent().unwrap().to_owned()
}

/// A listing with the given photos, created on `device`.
pub(crate) fn listing_with_photos(
    device: &Device,
    title: &str,
    photos: &[(Vec<u8>, Vec<u8>)],
) -> (store::ListingId, Vec<PhotoRecord>) {
    let mut store = device.store.lock().unwrap();
    let listing = store
        .create_listing(
            NewListing::new(Titles::from_single(title), Price::parse("450").unwrap()).unwrap(),
            1,
        )
        .unwrap();
    let records: Vec<PhotoRecord> = photos
        .iter()
        .map(|(d, t)| import_photo(&store, &root(device), d, t))
        .collect();
    let hashes: Vec<String> = records.iter().map(|r| r.display_sha256.clone()).collect();
    store.attach_photos(listing.id, &hashes, 2).unwrap();
    (listing.id, records)
}

pub(crate) async fn market_with_code(dir: &Path) -> (TestMarket, String) {
    let market = market::Market::open(&dir.join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    (TestMarket::start(market).await, code)
}

/// The blob the public server serves under `sha256`, checked against its name.
pub(crate) async fn served_blob_matches(server: &TestMarket, sha256: &str) -> bool {
    let response = reqwest::get(format!("{}/photos/{sha256}.jpg", server.url()))
        .await
        .unwrap();
    response.status() == 200 && sha256_hex(&response.bytes().await.unwrap()) == sha256
}

/// The public page of a listing names these display photos in this order.
pub(crate) async fn page_shows_photos(
    server: &TestMarket,
    id: store::ListingId,
    records: &[PhotoRecord],
) {
    let page = reqwest::get(format!("{}/l/{id}", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let positions: Vec<usize> = records
        .iter()
        .map(|r| {
            page.find(&format!("/photos/{}.jpg", r.display_sha256))
                .unwrap_or_else(|| panic!("photo {} not on the page", r.display_sha256))
        })
        .collect();
    assert!(positions.is_sorted(), "photos out of order: {positions:?}");
    for r in records {
        assert!(page.contains(&format!("/photos/{}.jpg 320w", r.thumb_sha256)));
    }
}

#[tokio::test]
async fn a_listing_arrives_with_its_photos_and_they_are_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, Config::default());
    let photos = vec![
        (photo_bytes(1, 300_000), photo_bytes(2, 20_000)),
        (photo_bytes(3, 200_000), photo_bytes(4, 15_000)),
    ];
    let (id, records) = listing_with_photos(&a, "زربية بني ورين", &photos);
    assert_eq!(a.store.lock().unwrap().photos_waiting().unwrap(), 2);

    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.accepted, 1);
    assert_eq!(report.photos_uploaded, 4, "{report:?}");
    assert_eq!(report.photo_bytes_sent, 535_000);
    assert_eq!(report.photo_lists_set, 1);
    for r in &records {
        assert!(served_blob_matches(&server, &r.display_sha256).await);
        assert!(served_blob_matches(&server, &r.thumb_sha256).await);
    }
    page_shows_photos(&server, id, &records).await;
    assert_eq!(a.store.lock().unwrap().photos_waiting().unwrap(), 0);

    // Next pass: nothing to send.
    let again = sync_once(&a.engine).await.unwrap();
    assert_eq!((again.photos_uploaded, again.photo_lists_set), (0, 0));

    // A new cover on the live listing: only its set is sent again, and only
    // the new photo's blobs travel.
    let cover = (photo_bytes(5, 100_000), photo_bytes(6, 9_000));
    let record = {
        let mut store = a.store.lock().unwrap();
        let record = import_photo(&store, &root(&a), &cover.0, &cover.1);
        let mut input = store.listing(id).unwrap().unwrap().to_input();
        input.photos.insert(0, record.display_sha256.clone());
        store
            .update_listing(id, NewListing::validate(input).unwrap(), 3)
            .unwrap();
        record
    };
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.photos_uploaded, 2);
    assert_eq!(report.photo_bytes_sent, 109_000);
    assert_eq!(report.photo_lists_set, 1);
    page_shows_photos(
        &server,
        id,
        &[record, records[0].clone(), records[1].clone()],
    )
    .await;
}

#[tokio::test]
async fn a_photo_the_server_has_is_not_uploaded_again() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, Config::default());
    let shared = (photo_bytes(7, 120_000), photo_bytes(8, 8_000));
    listing_with_photos(&a, "Tajine de Safi", std::slice::from_ref(&shared));
    assert_eq!(sync_once(&a.engine).await.unwrap().photos_uploaded, 2);

    // Another laptop of the cooperative imports the same photo for another listing.
    let code_b = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    let b = device(dir.path(), "b", &server.url(), &code_b, Config::default());
    let (id, records) = listing_with_photos(&b, "Tajine de Safi (grand)", &[shared]);
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photos_uploaded, 0, "{report:?}");
    assert_eq!(report.photo_bytes_sent, 0);
    assert_eq!(report.photo_lists_set, 1);
    page_shows_photos(&server, id, &records).await;
}

#[tokio::test]
async fn an_upload_cut_mid_file_resumes_from_the_servers_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let config = Config {
        upload_chunk_bytes: 64 * 1024,
        ..Config::default()
    };
    let a = device(dir.path(), "a", &proxy.url(), &code, config);
    let display = photo_bytes(9, 1_000_000);
    let (id, records) = listing_with_photos(
        &a,
        "Tapis Azilal",
        &[(display.clone(), photo_bytes(10, 4_000))],
    );

    // The link drops halfway through the big photo.
    proxy.cut_after(500_000, false);
    let report = sync_once(&a.engine).await.unwrap();
    assert!(proxy.was_cut());
    assert_eq!(report.uploads_resumed, 1, "{report:?}");
    assert_eq!(report.photos_uploaded, 2);
    // Everything sent after the cut (the rest of the photo, the thumbnail,
    // the listing, requests' headers) is less than the photo alone: the
    // upload went on from the server's offset, not from byte 0.
    let after_cut = proxy.forwarded() - proxy.forwarded_at_cut();
    assert!(
        after_cut < display.len() as u64,
        "{after_cut} bytes sent after the cut"
    );
    assert!(
        report.photo_bytes_sent < 1_004_000 + 64 * 1024 * 2,
        "{report:?}"
    );
    assert!(served_blob_matches(&server, &records[0].display_sha256).await);
    page_shows_photos(&server, id, &records).await;
}

#[tokio::test]
async fn after_a_restart_the_upload_resumes_with_its_stored_url() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let config = Config {
        upload_chunk_bytes: 64 * 1024,
        ..Config::default()
    };
    let a = device(dir.path(), "a", &proxy.url(), &code, config.clone());
    let display = photo_bytes(11, 800_000);
    let (id, records) = listing_with_photos(
        &a,
        "Huile d'argan",
        &[(display.clone(), photo_bytes(12, 3_000))],
    );
    let sha = records[0].display_sha256.clone();

    // The link drops mid-file and stays down: the pass fails.
    proxy.cut_after(400_000, true);
    let err = sync_once(&a.engine).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    let url = a.store.lock().unwrap().photo_upload_url(&sha).unwrap();
    assert!(url.is_some(), "the upload URL was not kept");

    // The app stops (or the power goes); it starts again on the same file.
    let path = a.path.clone();
    drop(a);
    proxy.set_down(false);
    let store = Arc::new(Mutex::new(store::open(&path).unwrap()));
    assert_eq!(store.lock().unwrap().photo_upload_url(&sha).unwrap(), url);
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), config).unwrap();
    let before = proxy.forwarded();
    let report = sync_once(&engine).await.unwrap();
    assert_eq!(report.uploads_resumed, 1, "{report:?}");
    let sent = proxy.forwarded() - before;
    assert!(
        sent < display.len() as u64,
        "{sent} bytes sent after the restart"
    );
    assert_eq!(store.lock().unwrap().photo_upload_url(&sha).unwrap(), None);
    assert!(served_blob_matches(&server, &sha).await);
    page_shows_photos(&server, id, &records).await;
    assert_eq!(store.lock().unwrap().photos_waiting().unwrap(), 0);
}

#[tokio::test]
async fn an_upload_the_server_forgot_is_created_again() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, Config::default());
    let (id, records) = listing_with_photos(
        &a,
        "Savon noir",
        &[(photo_bytes(13, 50_000), photo_bytes(14, 2_000))],
    );
    let sha = records[0].display_sha256.clone();
    // A URL from an upload that expired on the server.
    a.store
        .lock()
        .unwrap()
        .set_photo_upload_url(
            &sha,
            &format!(
                "{}/v1/uploads/0190c6f2-7d1c-7bbb-8a51-0c8b1e7a2f10",
                server.url()
            ),
            1,
        )
        .unwrap();
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.photos_uploaded, 2);
    assert_eq!(report.uploads_resumed, 0);
    assert!(served_blob_matches(&server, &sha).await);
    page_shows_photos(&server, id, &records).await;
}

/// On a link that dies in the middle of a photo, the listing itself (a few
/// kilobytes) is already live: photos never hold listings back.
#[tokio::test]
async fn a_listing_goes_live_even_when_its_photo_cannot_get_through() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let config = Config {
        upload_chunk_bytes: 64 * 1024,
        ..Config::default()
    };
    let a = device(dir.path(), "a", &proxy.url(), &code, config);
    let (id, _) = listing_with_photos(
        &a,
        "Coussin brodé",
        &[(photo_bytes(11, 900_000), photo_bytes(12, 4_000))],
    );

    proxy.cut_after(100_000, true);
    assert!(sync_once(&a.engine).await.is_err(), "the link went down");
    let live = a.store.lock().unwrap().listing(id).unwrap().unwrap().sync;
    assert_eq!(live, store::SyncState::Live);
    let catalog = server.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].id, id.uuid());
}

/// A catalogue bigger than the first question (more than 32 photos): the
/// thumbnails of every listing reach the marketplace before any display
/// photo (the server shows a listing once its thumbnails are there), the
/// first listings' while the marketplace is asked about the rest; then
/// every display photo goes, each file once, and every list ends synced.
#[tokio::test]
async fn every_listings_thumbnails_go_before_any_display_photo() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, Config::default());
    let mut thumbs = Vec::new();
    let mut displays = Vec::new();
    let mut listings = Vec::new();
    for i in 0..14u8 {
        let photos: Vec<_> = (0..3u8)
            .map(|k| {
                let seed = 100 + 3 * i + k;
                (photo_bytes(seed, 60_000), photo_bytes(seed ^ 0x80, 5_000))
            })
            .collect();
        let (id, records) = listing_with_photos(&a, &format!("Tapis n° {i}"), &photos);
        thumbs.extend(records.iter().map(|r| r.thumb_sha256.clone()));
        displays.extend(records.iter().map(|r| r.display_sha256.clone()));
        listings.push((id, records));
    }

    let report = sync_once(&a.engine).await.unwrap();
    // The first listings' text went first, the others' beside their
    // thumbnails: all counted, none left.
    assert_eq!(report.accepted, 14, "{report:?}");
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
    assert_eq!(report.photos_uploaded, 84, "{report:?}");
    assert_eq!(report.photo_bytes_sent, 42 * 65_000);
    assert!(
        a.store
            .lock()
            .unwrap()
            .photo_sets_to_send()
            .unwrap()
            .is_empty()
    );
    for (id, records) in &listings {
        page_shows_photos(&server, *id, records).await;
    }
    for sha in &displays {
        assert!(served_blob_matches(&server, sha).await);
    }
    // The order the marketplace took them in.
    let db = rusqlite::Connection::open_with_flags(
        dir.path().join("market").join("market.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let taken: Vec<String> = db
        .prepare("SELECT sha256 FROM photos ORDER BY rowid")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(taken.len(), 84);
    let at = |sha: &String| taken.iter().position(|t| t == sha).unwrap();
    let last_thumb = thumbs.iter().map(at).max().unwrap();
    let first_display = displays.iter().map(at).min().unwrap();
    assert!(
        last_thumb < first_display,
        "thumbnail #{last_thumb} came after display #{first_display}"
    );
}

/// The marketplace allows a cooperative so many new uploads a second (a
/// 429 with `Retry-After` past that): the laptop waits as it says and goes
/// on within the same pass, instead of failing the pass and starting over.
#[tokio::test]
async fn uploads_refused_as_too_fast_wait_and_go_on_in_the_same_pass() {
    let dir = tempfile::tempdir().unwrap();
    let config = market::Config {
        upload_rate: market::RateLimit {
            // Longer than the engine's retries of a passing refusal
            // (three, a second apart) would wait.
            burst: 2,
            refill_every: std::time::Duration::from_secs(3),
        },
        ..market::Config::default()
    };
    let market = market::Market::open_with(&dir.path().join("market"), config).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;
    let a = device(dir.path(), "a", &server.url(), &code, Config::default());
    let photos: Vec<_> = (0..3u8)
        .map(|k| (photo_bytes(200 + k, 30_000), photo_bytes(210 + k, 3_000)))
        .collect();
    let (id, records) = listing_with_photos(&a, "Tapis Glaoui", &photos);

    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.photos_uploaded, 6, "{report:?}");
    assert_eq!(report.photos_upload_failed, 0);
    assert!(
        a.store
            .lock()
            .unwrap()
            .photo_sets_to_send()
            .unwrap()
            .is_empty()
    );
    page_shows_photos(&server, id, &records).await;
}
