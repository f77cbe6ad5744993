//! Two laptops of one cooperative against one marketplace: what one sends,
//! the other pulls; moderation comes back; nothing pulled is pushed again.

use std::path::Path;
use std::sync::{Arc, Mutex};

use store::{Moderation, NewListing, Price, SettingKey, SyncState, Titles};
use sync::{Config, Engine, SystemClock, sync_once};
use test_support::TestMarket;

pub(crate) struct Laptop {
    pub store: sync::SharedStore,
    pub engine: Engine,
}

pub(crate) fn laptop(dir: &Path, name: &str, server: &TestMarket) -> Laptop {
    let code = market::admin::enrollment_code(&server.market, "atlas").unwrap();
    let store = store::open(&dir.join(format!("{name}.db"))).unwrap();
    store
        .set_setting(SettingKey::MarketUrl, Some(&server.url()))
        .unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some(&code))
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), Config::default()).unwrap();
    Laptop { store, engine }
}

pub(crate) async fn atlas(dir: &Path) -> TestMarket {
    let market = market::Market::open(&dir.join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    TestMarket::start(market).await
}

pub(crate) fn edit_price(laptop: &Laptop, id: store::ListingId, price: &str, now_ms: i64) {
    let mut store = laptop.store.lock().unwrap();
    let mut input = store.listing(id).unwrap().unwrap().to_input();
    input.price = Price::parse(price).unwrap();
    store
        .update_listing(id, NewListing::validate(input).unwrap(), now_ms)
        .unwrap();
}

#[tokio::test]
async fn what_one_laptop_sends_the_other_pulls_and_nothing_bounces_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let a = laptop(dir.path(), "a", &server);
    let b = laptop(dir.path(), "b", &server);
    sync_once(&b.engine).await.unwrap(); // enrolled, nothing yet

    let mut input = store::ListingInput::quick(
        Titles::from_single("زربية أزيلال"),
        Price::parse("3200").unwrap(),
    );
    input.origin = Some("Azilal".to_owned());
    let id = a
        .store
        .lock()
        .unwrap()
        .create_listing(NewListing::validate(input).unwrap(), 10)
        .unwrap()
        .id;
    sync_once(&a.engine).await.unwrap();

    // B pulls it: the same content, live, approved, with a server version
    // and no change of its own to send.
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!((report.pulled, report.pulled_changed), (1, 1), "{report:?}");
    let on_b = b.store.lock().unwrap().listing(id).unwrap().unwrap();
    assert_eq!(on_b.titles.ar.as_deref(), Some("زربية أزيلال"));
    assert_eq!(on_b.price, Price::parse("3200").unwrap());
    assert_eq!(on_b.updated_at_ms, 10);
    assert_eq!(on_b.sync, SyncState::Live);
    assert_eq!(on_b.moderation, Some(Moderation::Approved));
    assert!(on_b.server_version.is_some());
    assert_eq!(b.store.lock().unwrap().pending_count().unwrap(), 0);
    // Searchable like a listing made here.
    assert_eq!(
        b.store
            .lock()
            .unwrap()
            .search(&store::SearchQuery {
                text: Some("زربيه".to_owned()),
                ..store::SearchQuery::default()
            })
            .unwrap()
            .len(),
        1
    );
    let again = sync_once(&b.engine).await.unwrap();
    assert_eq!((again.accepted, again.pulled), (0, 0), "{again:?}");

    // B edits; A pulls the edit.
    edit_price(&b, id, "2900", 20);
    assert_eq!(sync_once(&b.engine).await.unwrap().accepted, 1);
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.accepted, 0);
    assert_eq!(report.pulled_changed, 1, "{report:?}");
    let on_a = a.store.lock().unwrap().listing(id).unwrap().unwrap();
    assert_eq!(on_a.price, Price::parse("2900").unwrap());
    assert_eq!(
        on_a.origin.as_deref(),
        Some("Azilal"),
        "B's edit set only the price"
    );
    assert_eq!(on_a.sync, SyncState::Live);
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
    assert_eq!(sync_once(&a.engine).await.unwrap().accepted, 0);
    assert_eq!(server.catalog().await.listings[0].price_centimes, 290_000);

    // A deletes; B pulls the deletion.
    a.store.lock().unwrap().delete_listing(id, 30).unwrap();
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    assert!(
        b.store
            .lock()
            .unwrap()
            .listing(id)
            .unwrap()
            .unwrap()
            .deleted
    );
    assert!(b.store.lock().unwrap().listings().unwrap().is_empty());
    assert_eq!(b.store.lock().unwrap().pending_count().unwrap(), 0);
    assert!(server.catalog().await.listings.is_empty());
}

#[tokio::test]
async fn a_rejection_comes_back_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let a = laptop(dir.path(), "a", &server);
    let id = a
        .store
        .lock()
        .unwrap()
        .create_listing(
            NewListing::new(Titles::from_single("Tapis"), Price::parse("10").unwrap()).unwrap(),
            1,
        )
        .unwrap()
        .id;
    sync_once(&a.engine).await.unwrap();
    assert_eq!(
        a.store
            .lock()
            .unwrap()
            .listing(id)
            .unwrap()
            .unwrap()
            .moderation,
        Some(Moderation::Approved)
    );

    market::admin::reject_listing(&server.market, id.uuid(), "Prix trop bas pour un tapis")
        .unwrap();
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!(report.pulled_changed, 1);
    assert_eq!(report.accepted, 0);
    let listing = a.store.lock().unwrap().listing(id).unwrap().unwrap();
    assert_eq!(
        listing.moderation,
        Some(Moderation::Rejected {
            reason: Some("Prix trop bas pour un tapis".to_owned())
        })
    );
    assert_eq!(
        listing.sync,
        SyncState::Live,
        "the device's work is delivered"
    );
    assert!(server.catalog().await.listings.is_empty());
}

#[tokio::test]
async fn with_manual_moderation_a_listing_waits_for_review_then_is_approved() {
    let dir = tempfile::tempdir().unwrap();
    let config = market::Config {
        moderation: market::ModerationPolicy::Manual,
        ..market::Config::default()
    };
    let market = market::Market::open_with(&dir.path().join("market"), config).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let server = TestMarket::start(market).await;
    let a = laptop(dir.path(), "a", &server);
    let id = a
        .store
        .lock()
        .unwrap()
        .create_listing(
            NewListing::new(
                Titles::from_single("Plat de Safi"),
                Price::parse("300").unwrap(),
            )
            .unwrap(),
            1,
        )
        .unwrap()
        .id;
    sync_once(&a.engine).await.unwrap();
    let listing = a.store.lock().unwrap().listing(id).unwrap().unwrap();
    assert_eq!(listing.sync, SyncState::Live);
    assert_eq!(listing.moderation, Some(Moderation::Pending));
    assert!(server.catalog().await.listings.is_empty());

    market::admin::approve_listing(&server.market, id.uuid()).unwrap();
    assert_eq!(sync_once(&a.engine).await.unwrap().pulled_changed, 1);
    assert_eq!(
        a.store
            .lock()
            .unwrap()
            .listing(id)
            .unwrap()
            .unwrap()
            .moderation,
        Some(Moderation::Approved)
    );
    assert_eq!(server.catalog().await.listings.len(), 1);
}
