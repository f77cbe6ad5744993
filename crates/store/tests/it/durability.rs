use store::{Error, SettingKey, SyncState};

use crate::new_listing;

#[test]
fn listing_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");

    let saved = {
        let mut store = store::open(&path).unwrap();
        store
            .set_setting(SettingKey::MarketUrl, Some("http://127.0.0.1:1"))
            .unwrap();
        store
            .create_listing(new_listing("زربية بني ورين", "4500"), 1_000)
            .unwrap()
    };

    let store = store::open(&path).unwrap();
    let listings = store.listings().unwrap();
    assert_eq!(listings, vec![saved.clone()]);
    assert_eq!(listings[0].titles.ar.as_deref(), Some("زربية بني ورين"));
    assert_eq!(listings[0].price.centimes(), 450_000);
    assert_eq!(listings[0].sync, SyncState::Waiting);
    assert_eq!(
        store.setting(SettingKey::MarketUrl).unwrap().as_deref(),
        Some("http://127.0.0.1:1")
    );
}

#[test]
fn durability_pragmas_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    drop(store::open(&path).unwrap());
    // Read them back through a second, plain connection.
    #[allow(clippy::disallowed_methods)]
    let conn = rusqlite_for_tests::open(&path);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn refuses_a_database_from_a_newer_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    drop(store::open(&path).unwrap());
    {
        let conn = rusqlite_for_tests::open(&path);
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    match store::open(&path) {
        Err(Error::TooNew { found: 99, known }) => assert!(known < 99),
        other => panic!("expected TooNew, got {other:?}"),
    }
}

mod rusqlite_for_tests {
    use std::path::Path;

    #[allow(clippy::disallowed_methods)]
    pub fn open(path: &Path) -> rusqlite::Connection {
        rusqlite::Connection::open(path).unwrap()
    }
}

#[test]
fn only_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let held = store::lock_writer(dir.path()).unwrap();
    assert!(matches!(store::lock_writer(dir.path()), Err(Error::Locked)));
    drop(held);
    store::lock_writer(dir.path()).unwrap();
}
