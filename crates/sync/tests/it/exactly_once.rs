use std::sync::{Arc, Mutex};

use store::{NewListing, Price, SettingKey, SyncState, Titles};
use sync::{Config, Engine, ErrorKind, SystemClock, sync_once};
use test_support::{TestMarket, free_addr};

fn new_listing(title: &str, price: &str) -> NewListing {
    NewListing::new(Titles::from_single(title), Price::parse(price).unwrap()).unwrap()
}

#[tokio::test]
async fn listing_created_offline_arrives_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();

    // The server is down: nothing listens on this address yet.
    let addr = free_addr();
    let mut store = store::open(&dir.path().join("app.db")).unwrap();
    store
        .set_setting(SettingKey::MarketUrl, Some(&format!("http://{addr}")))
        .unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some(&code))
        .unwrap();
    let listing = store
        .create_listing(new_listing("زربية أزيلال ملونة", "3200"), 1)
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), Config::default()).unwrap();

    let err = sync_once(&engine).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(
        store
            .lock()
            .unwrap()
            .listing(listing.id)
            .unwrap()
            .unwrap()
            .sync,
        SyncState::Waiting
    );

    let server = TestMarket::start_at(market, addr).await;
    let report = sync_once(&engine).await.unwrap();
    assert_eq!(report.accepted, 1);
    assert_eq!(
        store
            .lock()
            .unwrap()
            .listing(listing.id)
            .unwrap()
            .unwrap()
            .sync,
        SyncState::Live
    );
    assert_eq!(
        store
            .lock()
            .unwrap()
            .setting(SettingKey::EnrollCode)
            .unwrap(),
        None
    );

    let catalog = server.catalog().await;
    assert_eq!(catalog.listings.len(), 1);
    assert_eq!(catalog.listings[0].id, listing.id.uuid());
    assert_eq!(
        catalog.listings[0].title.ar.as_deref(),
        Some("زربية أزيلال ملونة")
    );
    assert_eq!(catalog.listings[0].price_centimes, 320_000);

    // Again: nothing to send, still one.
    assert_eq!(sync_once(&engine).await.unwrap().accepted, 0);
    assert_eq!(server.catalog().await.listings.len(), 1);
}

#[tokio::test]
async fn a_push_whose_answer_was_lost_is_not_published_twice() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let server = TestMarket::start(market).await;

    let store = store::open(&dir.path().join("app.db")).unwrap();
    store
        .set_setting(SettingKey::MarketUrl, Some(&server.url()))
        .unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some(&code))
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), Config::default()).unwrap();
    sync_once(&engine).await.unwrap(); // enrolls

    store
        .lock()
        .unwrap()
        .create_listing(new_listing("Huile d'argan alimentaire", "180"), 2)
        .unwrap();
    // Push, then "lose" the answer: the outbox is not told.
    let pending = store.lock().unwrap().pending_changes(10).unwrap();
    let token = store
        .lock()
        .unwrap()
        .setting(SettingKey::DeviceToken)
        .unwrap()
        .unwrap();
    let base = url::Url::parse(&server.url()).unwrap();
    sync::push::send(&engine, &base, &token, &sync::push::plan(&pending))
        .await
        .unwrap();

    // The retry carries the same change id; the server says duplicate.
    let report = sync_once(&engine).await.unwrap();
    assert_eq!(report.accepted, 1);
    assert_eq!(server.catalog().await.listings.len(), 1);
    assert!(
        store
            .lock()
            .unwrap()
            .pending_changes(10)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_refused_code_is_reported_as_unauthorized() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    let server = TestMarket::start(market).await;
    let store = store::open(&dir.path().join("app.db")).unwrap();
    store
        .set_setting(SettingKey::MarketUrl, Some(&server.url()))
        .unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some("ZZZZ-ZZZZ"))
        .unwrap();
    let engine = Engine::new(
        Arc::new(Mutex::new(store)),
        Arc::new(SystemClock),
        Config::default(),
    )
    .unwrap();
    let err = sync_once(&engine).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(!err.is_transient());
}

/// A mistyped code is refused once and forgotten: the engine does not keep
/// trying it (each try counts against the address's enrollment limit), and
/// says it is not enrolled until a new code is typed.
#[tokio::test]
async fn a_refused_enrollment_code_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let server = TestMarket::start(market.clone()).await;
    let store = store::open(&dir.path().join("app.db")).unwrap();
    store
        .set_setting(SettingKey::MarketUrl, Some(&server.url()))
        .unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some("0000-0000"))
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), Config::default()).unwrap();

    let err = sync_once(&engine).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    let code = store
        .lock()
        .unwrap()
        .setting(SettingKey::EnrollCode)
        .unwrap();
    assert_eq!(code, None);
    let err = sync_once(&engine).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotEnrolled, "{err}");

    let good = market::admin::enrollment_code(&market, "atlas").unwrap();
    store
        .lock()
        .unwrap()
        .set_setting(SettingKey::EnrollCode, Some(&good))
        .unwrap();
    sync_once(&engine).await.unwrap();
    let token = store
        .lock()
        .unwrap()
        .setting(SettingKey::DeviceToken)
        .unwrap();
    assert!(token.is_some());
}
