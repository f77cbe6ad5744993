//! A new laptop started from a restored backup of another one (a common
//! way to "copy the shop"): the two must stay two devices to the
//! marketplace. Found by `cargo xtask torture` (seed 2): the copy carried
//! the first laptop's device key and token, and enrolling it revoked the
//! first laptop, which never synced again (fixed on main by keeping them in
//! `<catalog>.secrets`, which no backup carries).

use std::sync::{Arc, Mutex};

use store::{NewListing, Price, SettingKey, Titles};
use sync::{Config, Engine, SystemClock, sync_once};

use crate::photos::{device, market_with_code};

#[tokio::test]
async fn a_laptop_restored_from_anothers_backup_is_a_device_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code_a) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code_a, Config::default());
    let first = a
        .store
        .lock()
        .unwrap()
        .create_listing(
            NewListing::new(
                Titles::from_single("Tapis Azilal"),
                Price::parse("3200").unwrap(),
            )
            .unwrap(),
            1,
        )
        .unwrap();
    sync_once(&a.engine).await.unwrap();

    // Laptop B: A's backup restored into a data directory of its own, then
    // enrolled with a code of its own.
    let backup = dir.path().join("a-backup.db");
    a.store.lock().unwrap().backup_to(&backup).unwrap();
    let b_path = dir.path().join("b").join("catalog.db");
    std::fs::create_dir_all(b_path.parent().unwrap()).unwrap();
    let mut b_store = store::open(&b_path).unwrap();
    b_store.restore_from(&backup, true).unwrap();
    let copied_key = a
        .store
        .lock()
        .unwrap()
        .setting(SettingKey::DeviceKey)
        .unwrap();
    assert!(copied_key.is_some(), "A enrolled with a device key");
    assert_eq!(
        b_store.setting(SettingKey::DeviceKey).unwrap(),
        None,
        "the backup does not carry A's device key"
    );
    let code_b = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    b_store.set_setting(SettingKey::DeviceToken, None).unwrap();
    b_store
        .set_setting(SettingKey::EnrollCode, Some(&code_b))
        .unwrap();
    let b_store = Arc::new(Mutex::new(b_store));
    let b = Engine::new(b_store.clone(), Arc::new(SystemClock), Config::default()).unwrap();
    sync_once(&b).await.unwrap();

    assert_ne!(
        b_store
            .lock()
            .unwrap()
            .setting(SettingKey::DeviceKey)
            .unwrap(),
        copied_key,
        "B enrolled with a device key of its own"
    );
    let devices = market::admin::list_devices(&server.market, Some("atlas")).unwrap();
    assert_eq!(devices.len(), 2, "{devices:?}");
    assert!(
        devices.iter().all(|d| d.revoked_at_ms.is_none()),
        "enrolling B revoked no one: {devices:?}"
    );

    // A still syncs: its edit reaches the marketplace and B.
    {
        let mut store = a.store.lock().unwrap();
        let mut input = store.listing(first.id).unwrap().unwrap().to_input();
        input.stock = 7;
        store
            .update_listing(first.id, NewListing::validate(input).unwrap(), 2)
            .unwrap();
    }
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.accepted, 1, "{report:?}");
    sync_once(&b).await.unwrap();
    assert_eq!(
        b_store
            .lock()
            .unwrap()
            .listing(first.id)
            .unwrap()
            .unwrap()
            .stock,
        7
    );
}

#[tokio::test]
async fn a_copied_catalog_does_not_sync_with_the_other_laptops_token() {
    let dir = tempfile::tempdir().unwrap();
    let (server, code_a) = market_with_code(dir.path()).await;
    let a = device(dir.path(), "a", &server.url(), &code_a, Config::default());
    sync_once(&a.engine).await.unwrap();
    let backup = dir.path().join("a-backup.db");
    a.store.lock().unwrap().backup_to(&backup).unwrap();

    let b_path = dir.path().join("b").join("catalog.db");
    std::fs::create_dir_all(b_path.parent().unwrap()).unwrap();
    let mut b_store = store::open(&b_path).unwrap();
    b_store.restore_from(&backup, true).unwrap();
    let b_store = Arc::new(Mutex::new(b_store));
    let b = Engine::new(b_store.clone(), Arc::new(SystemClock), Config::default()).unwrap();
    let err = sync_once(&b).await.unwrap_err();
    assert_eq!(err.kind(), sync::ErrorKind::NotEnrolled, "{err}");
    assert_eq!(
        b_store
            .lock()
            .unwrap()
            .setting(SettingKey::DeviceToken)
            .unwrap(),
        None,
        "A's token is forgotten"
    );
    // A is untouched.
    sync_once(&a.engine).await.unwrap();
}

fn edit(
    store: &sync::SharedStore,
    id: store::ListingId,
    at_ms: i64,
    f: impl FnOnce(&mut store::ListingInput),
) {
    let mut store = store.lock().unwrap();
    let mut input = store.listing(id).unwrap().unwrap().to_input();
    f(&mut input);
    store
        .update_listing(id, NewListing::validate(input).unwrap(), at_ms)
        .unwrap();
}

/// Found by `cargo xtask torture` (seed 154). Laptop B starts from a
/// backup of A made before A's new listing was sent; both then edit it
/// offline. B's push folds A's create (which the backup carried) with B's
/// own later edits; it must neither take back A's later edit of another
/// field (each field goes with the clock of the edit that set it) nor
/// write the create's whole stock over A's sales (each stock edit is
/// counted once, whichever laptop sends it in whichever fold). Both
/// orders of arrival.
#[tokio::test]
async fn edits_after_a_restore_merge_by_their_own_clocks_and_sales_count_once() {
    for b_first in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (server, code_a) = market_with_code(dir.path()).await;
        let a = device(dir.path(), "a", &server.url(), &code_a, Config::default());
        let t0 = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            - 60_000;
        let mut input = NewListing::new(
            Titles::from_single("Tajine de Safi"),
            Price::parse("250").unwrap(),
        )
        .unwrap()
        .input()
        .clone();
        input.stock = 10;
        input.materials = Some("argile".to_owned());
        let id = a
            .store
            .lock()
            .unwrap()
            .create_listing(NewListing::validate(input).unwrap(), t0)
            .unwrap()
            .id;

        // B: A's catalog, the listing not yet sent, on a device of its own.
        let backup = dir.path().join("a-backup.db");
        a.store.lock().unwrap().backup_to(&backup).unwrap();
        let b_path = dir.path().join("b").join("catalog.db");
        std::fs::create_dir_all(b_path.parent().unwrap()).unwrap();
        let mut b_store = store::open(&b_path).unwrap();
        b_store.restore_from(&backup, true).unwrap();
        let code_b = market::admin::enrollment_code(&server.market, "atlas").unwrap();
        b_store
            .set_setting(SettingKey::EnrollCode, Some(&code_b))
            .unwrap();
        let b_store: sync::SharedStore = Arc::new(Mutex::new(b_store));
        let b = Engine::new(b_store.clone(), Arc::new(SystemClock), Config::default()).unwrap();

        // Offline: A changes the materials and sells 2; later B sells 1
        // and changes the price.
        edit(&a.store, id, t0 + 1_000, |l| {
            l.materials = Some("argile 836483".to_owned())
        });
        edit(&a.store, id, t0 + 1_500, |l| l.stock -= 2);
        edit(&b_store, id, t0 + 2_000, |l| l.stock -= 1);
        edit(&b_store, id, t0 + 2_500, |l| {
            l.price = Price::parse("240").unwrap()
        });

        let engines = if b_first {
            [&b, &a.engine]
        } else {
            [&a.engine, &b]
        };
        for _ in 0..2 {
            for engine in engines {
                sync_once(engine).await.unwrap();
            }
        }

        for (name, store) in [("A", &a.store), ("B", &b_store)] {
            let listing = store.lock().unwrap().listing(id).unwrap().unwrap();
            let what = format!("laptop {name}, B first: {b_first}");
            assert_eq!(
                listing.materials.as_deref(),
                Some("argile 836483"),
                "{what}: A's later materials"
            );
            assert_eq!(
                listing.price,
                Price::parse("240").unwrap(),
                "{what}: B's price"
            );
            assert_eq!(listing.stock, 7, "{what}: 10 - 2 - 1");
        }
        let token = a
            .store
            .lock()
            .unwrap()
            .setting(SettingKey::DeviceToken)
            .unwrap()
            .unwrap();
        let pulled: protocol::PullResponse = reqwest::Client::new()
            .get(format!("{}/v1/pull", server.url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let on_server = pulled
            .changes
            .iter()
            .rev()
            .find_map(|c| c.listing.as_ref())
            .unwrap();
        assert_eq!(on_server.stock, Some(7), "B first: {b_first}");
        assert_eq!(on_server.materials.as_deref(), Some("argile 836483"));
        assert_eq!(on_server.price_centimes, 24_000);
    }
}
