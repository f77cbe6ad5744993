use store::{Error, PushAck};

use crate::new_listing;

#[test]
fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Tapis Azilal", "3200"), 1)
        .unwrap();
    let backup = dir.path().join("manual.db");
    store.backup_to(&backup).unwrap();
    store.delete_listing(a.id, 2).unwrap();
    // The tombstone is unsynced, but the listing exists in the backup with
    // an older timestamp than the tombstone: restoring brings it back and
    // drops the unsent deletion, so it must ask.
    match store.restore_from(&backup, false) {
        Err(Error::RestoreWouldLose { unsynced }) => {
            assert_eq!(unsynced, vec!["Tapis Azilal".to_owned()])
        }
        other => panic!("expected RestoreWouldLose, got {other:?}"),
    }
    let report = store.restore_from(&backup, true).unwrap();
    assert_eq!(report.lost, vec!["Tapis Azilal".to_owned()]);
    assert_eq!(store.listings().unwrap().len(), 1);
    assert!(report.safety_backup.exists());
}

#[test]
fn restore_names_unsynced_listings_it_would_lose() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Tapis Azilal", "3200"), 1)
        .unwrap();
    let p = store.pending_changes(10).unwrap();
    store
        .record_acks(&[(a.id, p[0].seq, PushAck::Accepted)], 2)
        .unwrap();
    let backup = dir.path().join("after-a.db");
    store.backup_to(&backup).unwrap();
    store
        .create_listing(new_listing("طاجين آسفي", "300"), 3)
        .unwrap();

    match store.restore_from(&backup, false) {
        Err(Error::RestoreWouldLose { unsynced }) => {
            assert_eq!(unsynced, vec!["طاجين آسفي".to_owned()])
        }
        other => panic!("expected RestoreWouldLose, got {other:?}"),
    }
    // Nothing changed by the refusal.
    assert_eq!(store.listings().unwrap().len(), 2);

    // A synced-only catalog restores without asking.
    let dir2 = tempfile::tempdir().unwrap();
    let mut clean = store::open(&dir2.path().join("catalog.db")).unwrap();
    let report = clean.restore_from(&backup, false).unwrap();
    assert!(report.lost.is_empty());
    assert_eq!(clean.listings().unwrap().len(), 1);
}

#[test]
fn rolling_backups_are_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let store = store::open(&path).unwrap();
    // open() made the first daily backup.
    assert_eq!(store::list_backups(&path).len(), 1);
    for i in 0..store::KEEP_BACKUPS + 3 {
        store.rolling_backup(&format!("test{i}")).unwrap();
    }
    let backups = store::list_backups(&path);
    assert_eq!(backups.len(), store::KEEP_BACKUPS);
    let newest = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        newest.ends_with(&format!("test{}.db", store::KEEP_BACKUPS + 2)),
        "{newest}"
    );
}

#[test]
fn a_damaged_file_is_reported_with_the_backups_to_restore() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    scribbled_catalog(&path, None);

    match store::open(&path) {
        Err(Error::Corrupt { backups, .. }) => {
            assert_eq!(backups.len(), 1);
            // The backup opens and holds what was there at the time.
            let mut fresh = store::open(&dir.path().join("restored.db")).unwrap();
            fresh.restore_from(&backups[0], false).unwrap();
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }

    std::fs::write(
        &path,
        b"this is not a database at all, just text that a user renamed",
    )
    .unwrap();
    assert!(matches!(store::open(&path), Err(Error::Corrupt { .. })));
}

#[test]
fn a_damaged_catalog_is_replaced_by_its_latest_backup_and_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let bytes = scribbled_catalog(&path, Some("test"));

    let (store, recovery) = store::open_or_recover(&path).unwrap();
    let recovery = recovery.expect("a recovery happened");
    assert_eq!(store.listings().unwrap().len(), 200);
    assert!(store.integrity_check().unwrap());
    assert_eq!(
        std::fs::read(&recovery.damaged_copy).unwrap(),
        bytes,
        "the damaged file is kept as it was"
    );
    assert!(
        recovery
            .restored_from
            .to_string_lossy()
            .ends_with("test.db"),
        "{:?}",
        recovery.restored_from
    );

    // A healthy catalog opens without any recovery.
    drop(store);
    assert!(store::open_or_recover(&path).unwrap().1.is_none());
}

/// A catalog of 200 listings (backed up as `backup` if given, after the
/// daily backup `open` makes), then scribbled over in the middle as a
/// failing disk would. Returns the damaged bytes.
fn scribbled_catalog(path: &std::path::Path, backup: Option<&str>) -> Vec<u8> {
    {
        let mut store = store::open(path).unwrap();
        for i in 0..200 {
            store
                .create_listing(new_listing(&format!("Tapis {i}"), "100"), i)
                .unwrap();
        }
        if let Some(reason) = backup {
            store.rolling_backup(reason).unwrap();
        }
    }
    let mut bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 16_384);
    for b in &mut bytes[8_192..16_384] {
        *b = 0xA5;
    }
    std::fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn secrets_stay_out_of_the_catalog_and_its_backups() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.db");
    let store = store::open(&catalog).unwrap();
    store
        .set_setting(store::SettingKey::DeviceToken, Some("s3cret-token"))
        .unwrap();
    store
        .set_setting(
            store::SettingKey::MarketUrl,
            Some("https://souk.example.org"),
        )
        .unwrap();
    let copy = dir.path().join("usb").join("catalog-copy.db");
    store.backup_to(&copy).unwrap();
    drop(store);

    // Neither the catalog nor the copy holds the token, in any form.
    for file in [&catalog, &copy] {
        let bytes = std::fs::read(file).unwrap();
        assert!(
            !bytes.windows(12).any(|w| w == b"s3cret-token"),
            "{}",
            file.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("catalog.secrets"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the user reads the secrets file");
    }

    // The same laptop keeps its token; another laptop given the copy has
    // the catalog and its settings, but must connect again.
    let same = store::open(&catalog).unwrap();
    assert_eq!(
        same.setting(store::SettingKey::DeviceToken)
            .unwrap()
            .as_deref(),
        Some("s3cret-token")
    );
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = store::open(&other_dir.path().join("catalog.db")).unwrap();
    other.restore_from(&copy, true).unwrap();
    assert_eq!(other.setting(store::SettingKey::DeviceToken).unwrap(), None);
    assert_eq!(
        other
            .setting(store::SettingKey::MarketUrl)
            .unwrap()
            .as_deref(),
        Some("https://souk.example.org")
    );
}

#[test]
fn a_token_an_older_version_kept_in_the_catalog_moves_out() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.db");
    drop(store::open(&catalog).unwrap());
    {
        // What an older Hanout wrote: the token in the catalog's settings.
        #[allow(clippy::disallowed_methods)]
        let conn = rusqlite::Connection::open(&catalog).unwrap();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('device_token', 'old-token')",
            [],
        )
        .unwrap();
    }
    let store = store::open(&catalog).unwrap();
    assert_eq!(
        store
            .setting(store::SettingKey::DeviceToken)
            .unwrap()
            .as_deref(),
        Some("old-token")
    );
    let copy = dir.path().join("copy.db");
    store.backup_to(&copy).unwrap();
    #[allow(clippy::disallowed_methods)] // reading the copy as it is, raw
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM settings WHERE key = 'device_token'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_catalog_checked_beside_the_start_opens_at_once_and_a_damaged_one_is_restored_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let marker = path.with_extension("check-failed");
    {
        let mut store = store::open(&path).unwrap();
        for i in 0..2000 {
            store
                .create_listing(new_listing(&format!("Tapis {i}"), "100"), i)
                .unwrap();
        }
    }
    for backup in store::list_backups(&path) {
        std::fs::remove_file(backup).unwrap();
    }

    // Sound: open at once, the check passes, then takes the day's backup.
    let (store, recovery, check) = store::open_or_recover_checking_later(&path).unwrap();
    assert!(recovery.is_none());
    check.wait().unwrap();
    assert_eq!(store.listings().unwrap().len(), 2000);
    // The day's backup follows the check's answer, on its thread.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store::list_backups(&path).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let backups = store::list_backups(&path);
    assert_eq!(backups.len(), 1, "the day's backup, made after the check");
    drop(store);
    // That backup is two days old now: another would be due.
    std::fs::File::options()
        .write(true)
        .open(&backups[0])
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400))
        .unwrap();

    // Damaged in the middle, where opening does not look (a failing disk).
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2 / 4096 * 4096;
    for b in &mut bytes[middle..middle + 8192] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (store, recovery, check) = store::open_or_recover_checking_later(&path).unwrap();
    assert!(recovery.is_none(), "opened at once, unchecked");
    assert!(matches!(check.wait(), Err(Error::Corrupt { .. })));
    assert!(
        matches!(check.wait(), Err(Error::Corrupt { .. })),
        "said to every use"
    );
    assert!(marker.exists());
    assert_eq!(
        store::list_backups(&path),
        backups,
        "no backup taken of a damaged file"
    );
    drop(store);

    // The next start checks first and restores the backup.
    let (store, recovery, check) = store::open_or_recover_checking_later(&path).unwrap();
    let recovery = recovery.expect("restored");
    assert_eq!(recovery.restored_from, backups[0]);
    check.wait().unwrap();
    assert_eq!(store.listings().unwrap().len(), 2000);
    assert!(store.integrity_check().unwrap());
    assert!(!marker.exists());
}
