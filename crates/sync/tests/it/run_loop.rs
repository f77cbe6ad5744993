use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::{NewListing, Price, SettingKey, Titles};
use sync::{Config, Connection, Engine, SystemClock};
use test_support::{TestMarket, free_addr};
use tokio::sync::{Notify, watch};

/// The background loop keeps retrying while the server is down and
/// delivers as soon as it comes up, without anyone pressing a button.
#[tokio::test]
async fn background_loop_delivers_when_the_server_comes_up() {
    let dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(&dir.path().join("market")).unwrap();
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas").unwrap();
    let code = market::admin::enrollment_code(&market, "atlas").unwrap();
    let addr = free_addr();

    let store = store::open(&dir.path().join("app.db")).unwrap();
    store
        .set_setting(SettingKey::MarketUrl, Some(&format!("http://{addr}")))
        .unwrap();
    store
        .set_setting(SettingKey::EnrollCode, Some(&code))
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let config = Config {
        retry_min: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
        ..Config::default()
    };
    let engine = Engine::new(store.clone(), Arc::new(SystemClock), config).unwrap();
    let wake = Arc::new(Notify::new());
    let (status_tx, mut status_rx) = watch::channel(sync::Status::default());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(sync::run(engine, wake.clone(), status_tx, async {
        let _ = stop_rx.await;
    }));

    store
        .lock()
        .unwrap()
        .create_listing(
            NewListing::new(
                Titles::from_single("Tajine de Safi"),
                Price::parse("250").unwrap(),
            )
            .unwrap(),
            1,
        )
        .unwrap();
    wake.notify_one();
    let offline = wait_for(&mut status_rx, |s| {
        s.connection == Connection::Offline && s.pending == 1
    })
    .await;
    assert_eq!(offline.last_error, Some(sync::ErrorKind::Network));

    let server = TestMarket::start_at(market, addr).await;
    let online = wait_for(&mut status_rx, |s| {
        s.connection == Connection::Online && s.pending == 0
    })
    .await;
    assert_eq!(online.cooperative.as_deref(), Some("Coopérative Atlas"));
    assert!(online.last_synced_at_ms.is_some());
    assert_eq!(server.catalog().await.listings.len(), 1);

    stop_tx.send(()).unwrap();
    task.await.unwrap();
}

/// Waits for a status matching `pred`. The timeout only keeps a broken
/// engine from hanging CI; it is not what the test measures.
async fn wait_for(
    rx: &mut watch::Receiver<sync::Status>,
    pred: impl Fn(&sync::Status) -> bool,
) -> sync::Status {
    let status = tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|s| pred(s)))
        .await
        .expect("status never reached the expected state")
        .expect("engine stopped");
    status.clone()
}
