//! Photos travel between the cooperative's laptops: what one adds, the
//! others pull (files downloaded and verified); a photo added on one laptop
//! never pushes another laptop's photos off the listing.

use std::path::Path;

use store::ListingId;
use sync::{Clock, Config, SystemClock, sync_once};

use crate::photos::{
    Device, device, import_photo, listing_with_photos, market_with_code, page_shows_photos,
    photo_bytes, root, sha256_hex,
};
use crate::proxy::Proxy;
use test_support::TestMarket;

fn photos_of(device: &Device, id: ListingId) -> Vec<String> {
    device
        .store
        .lock()
        .unwrap()
        .listing(id)
        .unwrap()
        .unwrap()
        .photos
}

/// The marketplace with laptop A and laptop B (with `b_config`) of one
/// cooperative, both enrolled on their first pass.
async fn two_laptops(dir: &Path, b_config: Config) -> (TestMarket, Device, Device) {
    let (server, code) = market_with_code(dir).await;
    let code_b = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    let a = device(dir, "a", &server.url(), &code, Config::default());
    let b = device(dir, "b", &server.url(), &code_b, b_config);
    (server, a, b)
}

/// [`two_laptops`], laptop B reaching the marketplace through a proxy the
/// test can cut or garble.
async fn two_laptops_b_through_a_proxy(dir: &Path) -> (TestMarket, Device, Device, Proxy) {
    let (server, code) = market_with_code(dir).await;
    let code_b = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    let a = device(dir, "a", &server.url(), &code, Config::default());
    let proxy = Proxy::start(server.addr).await;
    let b = device(dir, "b", &proxy.url(), &code_b, Config::default());
    (server, a, b, proxy)
}

/// Every file under `<root>/photos` is named by its SHA-256 and hashes to
/// it (partial downloads, `.<name>.download`, aside); returns their names.
fn files_verified(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(shards) = std::fs::read_dir(root.join("photos")) else {
        return names;
    };
    for shard in shards {
        for file in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".download") {
                continue;
            }
            let sha = name
                .strip_suffix(".jpg")
                .unwrap_or_else(|| panic!("stray file {name}"));
            assert_eq!(
                sha256_hex(&std::fs::read(&path).unwrap()),
                sha,
                "{name} does not hash to its name"
            );
            names.push(sha.to_owned());
        }
    }
    names.sort();
    names
}

/// Attaches a newly imported photo on `device` (at the wall clock: pulls
/// moved its clock there).
fn add_photo(device: &Device, id: ListingId, seed: u8) -> store::PhotoRecord {
    let mut store = device.store.lock().unwrap();
    let record = import_photo(
        &store,
        &root(device),
        &photo_bytes(seed, 150_000),
        &photo_bytes(seed + 100, 6_000),
    );
    store
        .attach_photos(
            id,
            std::slice::from_ref(&record.display_sha256),
            SystemClock.now_ms(),
        )
        .unwrap();
    record
}

#[tokio::test]
async fn photos_added_on_one_laptop_reach_the_other_and_both_keep_all() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a, b) = two_laptops(dir.path(), Config::default()).await;
    let photos = vec![
        (photo_bytes(1, 300_000), photo_bytes(2, 20_000)),
        (photo_bytes(3, 200_000), photo_bytes(4, 15_000)),
    ];
    let (id, mut records) = listing_with_photos(&a, "زربية بني ورين", &photos);
    sync_once(&a.engine).await.unwrap();

    // B pulls the listing with both photos, in order, and their files.
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photos_downloaded, 4, "{report:?}");
    assert_eq!(report.photo_bytes_received, 535_000);
    assert_eq!(report.photo_lists_set, 0, "nothing pulled goes back");
    let displays = |records: &[store::PhotoRecord]| {
        records
            .iter()
            .map(|r| r.display_sha256.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(photos_of(&b, id), displays(&records));
    let mut all: Vec<String> = records
        .iter()
        .flat_map(|r| [r.display_sha256.clone(), r.thumb_sha256.clone()])
        .collect();
    all.sort();
    assert_eq!(files_verified(&root(&b)), all);
    {
        let store = b.store.lock().unwrap();
        assert!(store.photo_sets_to_send().unwrap().is_empty());
        assert_eq!(store.photos_waiting().unwrap(), 0);
        assert_eq!(store.photo_downloads_waiting().unwrap(), 0);
    }
    let again = sync_once(&b.engine).await.unwrap();
    assert_eq!(
        (again.photos_downloaded, again.photo_lists_set, again.pulled),
        (0, 0, 0),
        "{again:?}"
    );

    // B adds a third: the server gets all three, and so does A.
    records.push(add_photo(&b, id, 5));
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(
        (report.photos_uploaded, report.photo_lists_set),
        (2, 1),
        "{report:?}"
    );
    page_shows_photos(&server, id, &records).await;
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.photos_downloaded, 2, "{report:?}");
    assert_eq!(report.photo_lists_set, 0, "{report:?}");
    assert_eq!(photos_of(&a, id), displays(&records));
    assert_eq!(photos_of(&b, id), displays(&records));
    assert!(files_verified(&root(&a)).contains(&records[2].thumb_sha256));
    page_shows_photos(&server, id, &records).await;
}

/// B adds a photo before it has pulled the ones A added: B's list (without
/// A's) must not replace A's on the server. B merges before its `PUT`.
#[tokio::test]
async fn a_photo_added_before_pulling_anothers_does_not_push_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a, b) = two_laptops(dir.path(), Config::default()).await;
    let (id, _) = listing_with_photos(&a, "Tajine de Safi", &[]);
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    assert!(photos_of(&b, id).is_empty());

    // Offline from each other: A adds two photos, B one.
    let a1 = add_photo(&a, id, 11);
    let a2 = add_photo(&a, id, 12);
    let b1 = add_photo(&b, id, 13);
    sync_once(&a.engine).await.unwrap();
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photo_lists_set, 1, "{report:?}");
    assert_eq!(report.photos_downloaded, 4, "{report:?}");
    // B's photo first (its change), then A's.
    let expected = [b1.clone(), a1.clone(), a2.clone()];
    page_shows_photos(&server, id, &expected).await;
    sync_once(&a.engine).await.unwrap();
    let displays: Vec<String> = expected.iter().map(|r| r.display_sha256.clone()).collect();
    assert_eq!(photos_of(&a, id), displays);
    assert_eq!(photos_of(&b, id), displays);
    assert_eq!(files_verified(&root(&a)).len(), 6);
    assert_eq!(files_verified(&root(&b)).len(), 6);
}

#[tokio::test]
async fn a_download_cut_mid_file_leaves_no_file_and_the_next_pass_fetches_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, a, b, proxy) = two_laptops_b_through_a_proxy(dir.path()).await;
    let display = photo_bytes(21, 600_000);
    let (id, records) =
        listing_with_photos(&a, "Tapis Azilal", &[(display, photo_bytes(22, 5_000))]);
    sync_once(&a.engine).await.unwrap();

    // The link drops in the middle of the big photo (the pull answer and
    // the thumbnail are a few kilobytes).
    proxy.cut_download_after(300_000);
    let report = sync_once(&b.engine).await.unwrap();
    assert!(proxy.download_was_cut());
    assert_eq!(report.photo_downloads_failed, 1, "{report:?}");
    assert_eq!(photos_of(&b, id), vec![records[0].display_sha256.clone()]);
    let on_disk = files_verified(&root(&b));
    assert!(
        !on_disk.contains(&records[0].display_sha256),
        "a cut download left its file"
    );
    assert!(b.store.lock().unwrap().photo_downloads_waiting().unwrap() >= 1);
    let partial = sync::photo_path(&root(&b), &records[0].display_sha256)
        .with_file_name(format!(".{}.jpg.download", records[0].display_sha256));
    assert!(partial.exists(), "what arrived is kept for the next pass");

    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photo_downloads_failed, 0, "{report:?}");
    // Only the rest of the photo came (`Range`), not the whole again.
    assert!(
        report.photo_bytes_received < 600_000 - 200_000,
        "{report:?}"
    );
    let mut expected = vec![
        records[0].display_sha256.clone(),
        records[0].thumb_sha256.clone(),
    ];
    expected.sort();
    assert_eq!(files_verified(&root(&b)), expected);
    assert!(!partial.exists());
    assert_eq!(
        b.store.lock().unwrap().photo_downloads_waiting().unwrap(),
        0
    );
}

/// A pass downloads until it is past its byte budget (so at most one file
/// beyond it) and says more wait; the next passes go on.
#[tokio::test]
async fn downloads_go_on_over_passes_within_a_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        download_bytes_per_pass: 250_000,
        ..Config::default()
    };
    let (_server, a, b) = two_laptops(dir.path(), config).await;
    let photos: Vec<_> = (0..3)
        .map(|i| (photo_bytes(30 + i, 200_000), photo_bytes(40 + i, 5_000)))
        .collect();
    listing_with_photos(&a, "Poufs en cuir", &photos);
    sync_once(&a.engine).await.unwrap();

    let mut passes = 0;
    loop {
        passes += 1;
        let report = sync_once(&b.engine).await.unwrap();
        assert!(
            report.photo_bytes_received < 250_000 + 200_000,
            "{report:?}"
        );
        if !report.photo_downloads_more {
            break;
        }
        assert!(passes < 10, "downloads never end");
    }
    // Each pass stops once past 250 000 bytes: 615 000 take more than one.
    assert!(passes >= 2, "{passes} passes for 615 000 bytes");
    assert_eq!(files_verified(&root(&b)).len(), 6);
    assert_eq!(
        b.store.lock().unwrap().photo_downloads_waiting().unwrap(),
        0
    );
}

#[tokio::test]
async fn a_download_with_wrong_bytes_is_not_kept_and_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, a, b, proxy) = two_laptops_b_through_a_proxy(dir.path()).await;
    let (_, records) = listing_with_photos(
        &a,
        "Tapis Azilal",
        &[(photo_bytes(23, 600_000), photo_bytes(24, 5_000))],
    );
    sync_once(&a.engine).await.unwrap();

    // One byte of the big photo arrives garbled (whole length, wrong hash).
    proxy.corrupt_download_at(300_000);
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photo_downloads_failed, 1, "{report:?}");
    assert_eq!(
        files_verified(&root(&b)),
        vec![records[0].thumb_sha256.clone()],
        "only the good thumbnail is kept"
    );

    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photos_downloaded, 1, "{report:?}");
    assert_eq!(files_verified(&root(&b)).len(), 2);
    assert_eq!(
        b.store.lock().unwrap().photo_downloads_waiting().unwrap(),
        0
    );
}

/// What a kill mid-write could leave (a partial temporary file), and a
/// damaged file under a photo's name, are both replaced by the next pass.
#[tokio::test]
async fn leftovers_of_a_killed_download_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, a, b) = two_laptops(dir.path(), Config::default()).await;
    let display = photo_bytes(25, 100_000);
    let thumb = photo_bytes(26, 4_000);
    let (_, records) = listing_with_photos(&a, "Savon noir", &[(display.clone(), thumb.clone())]);
    sync_once(&a.engine).await.unwrap();

    let display_path = sync::photo_path(&root(&b), &records[0].display_sha256);
    let thumb_path = sync::photo_path(&root(&b), &records[0].thumb_sha256);
    for path in [&display_path, &thumb_path] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    }
    let temp = display_path.with_file_name(format!(".{}.jpg.download", records[0].display_sha256));
    std::fs::write(&temp, &display[..40_000]).unwrap();
    std::fs::write(&thumb_path, &thumb[..1_000]).unwrap();

    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photos_downloaded, 2, "{report:?}");
    assert!(!temp.exists());
    assert_eq!(std::fs::read(&display_path).unwrap(), display);
    assert_eq!(std::fs::read(&thumb_path).unwrap(), thumb);
    assert_eq!(files_verified(&root(&b)).len(), 2);
}

/// The window between this laptop's pull and its `PUT` of a photo list:
/// another laptop may set the list in it, and this laptop's view of the
/// server's list is then stale. The server refuses a stale list (412, with
/// its own) and this laptop merges that in instead of overwriting it. The
/// stale view is made by hand (the race itself cannot be timed in a test):
/// this laptop is told the server had no photos for a listing it did not
/// change since, so nothing in the pass refreshes its view before the `PUT`.
#[tokio::test]
async fn a_photo_list_refused_as_stale_is_merged_not_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code, Config::default());
    let p1 = (photo_bytes(41, 40_000), photo_bytes(42, 4_000));
    let (id, records) = listing_with_photos(&a, "Plateau en thuya", &[p1]);
    sync_once(&a.engine).await.unwrap();
    page_shows_photos(&server, id, &records).await;
    // Setting the list moved the listing in the feed: pull that too.
    sync_once(&a.engine).await.unwrap();

    a.store.lock().unwrap().mark_photos_synced(id, "").unwrap();
    // The same list as the server's goes through whatever this laptop
    // believed (nothing to merge, nothing lost).
    let same = sync_once(&a.engine).await.unwrap();
    assert_eq!(
        (same.photo_lists_merged, same.photo_lists_set),
        (0, 1),
        "{same:?}"
    );
    a.store.lock().unwrap().mark_photos_synced(id, "").unwrap();
    // With a photo added here, the list differs: refused as stale (412,
    // with the server's), merged, and the merged list sent in the same pass.
    let added = add_photo(&a, id, 43);
    let refused = sync_once(&a.engine).await.unwrap();
    assert_eq!(
        (refused.photo_lists_merged, refused.photo_lists_set),
        (1, 1),
        "{refused:?}"
    );
    let again = sync_once(&a.engine).await.unwrap();
    assert_eq!(
        (again.photo_lists_merged, again.photo_lists_set),
        (0, 0),
        "{again:?}"
    );
    let local = a.store.lock().unwrap().listing(id).unwrap().unwrap().photos;
    let mut shown = local.clone();
    shown.sort();
    let mut both = vec![
        records[0].display_sha256.clone(),
        added.display_sha256.clone(),
    ];
    both.sort();
    assert_eq!(shown, both);
    let in_order: Vec<_> = local
        .iter()
        .map(|d| {
            if *d == added.display_sha256 {
                added.clone()
            } else {
                records[0].clone()
            }
        })
        .collect();
    page_shows_photos(&server, id, &in_order).await;
}

#[tokio::test]
async fn a_drafts_photos_reach_the_other_laptop_though_the_public_cannot_see_them() {
    let dir = tempfile::tempdir().unwrap();
    let (server, a, b) = two_laptops(dir.path(), Config::default()).await;
    let photos = vec![(photo_bytes(7, 120_000), photo_bytes(8, 9_000))];
    let (id, records) = listing_with_photos(&a, "Plateau en cèdre", &photos);
    {
        let mut store = a.store.lock().unwrap();
        let mut input = store.listing(id).unwrap().unwrap().to_input();
        input.status = store::Status::Draft;
        store
            .update_listing(id, store::NewListing::validate(input).unwrap(), 3)
            .unwrap();
    }
    sync_once(&a.engine).await.unwrap();
    // Not public: a buyer gets nothing.
    let public = reqwest::get(format!(
        "{}/photos/{}.jpg",
        server.url(),
        records[0].display_sha256
    ))
    .await
    .unwrap();
    assert_eq!(public.status(), reqwest::StatusCode::NOT_FOUND);

    // The cooperative's other laptop gets the draft and its photo files.
    sync_once(&b.engine).await.unwrap();
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!(report.photo_downloads_failed, 0, "{report:?}");
    assert_eq!(photos_of(&b, id), [records[0].display_sha256.clone()]);
    let files = files_verified(&root(&b));
    assert!(files.contains(&records[0].display_sha256), "{files:?}");
    assert!(files.contains(&records[0].thumb_sha256), "{files:?}");
}
