use store::{
    ListingId, ListingInput, Moderation, NewListing, Price, Pulled, PulledContent, SettingKey,
    SyncState, Titles,
};

use crate::{new_listing, send_all};

fn content(title: &str, price: &str, updated_at_ms: i64) -> PulledContent {
    PulledContent {
        input: ListingInput::quick(Titles::from_single(title), Price::parse(price).unwrap()),
        updated_at_ms,
        stock_unknown: false,
        status_unknown: false,
    }
}

fn pulled(id: ListingId, version: i64, content: Option<PulledContent>) -> Pulled {
    Pulled {
        id,
        version: Some(version),
        deleted: false,
        content,
        moderation: Moderation::Approved,
        photos: None,
        photos_awaited: false,
        hlc: None,
    }
}

#[test]
fn pulled_listings_are_taken_without_outbox_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let other = ListingId::new();
    let applied = store
        .apply_pulled(
            &[pulled(other, 7, Some(content("Tajine", "250", 50)))],
            "7",
            100,
        )
        .unwrap();
    assert_eq!(applied.changed, 1);
    let listing = store.listing(other).unwrap().unwrap();
    assert_eq!(listing.titles.fr.as_deref(), Some("Tajine"));
    assert_eq!(listing.updated_at_ms, 50);
    assert_eq!(listing.sync, SyncState::Live);
    assert_eq!(listing.server_version, Some(7));
    assert_eq!(store.pending_count().unwrap(), 0);
    assert_eq!(
        store.setting(SettingKey::PullCursor).unwrap().as_deref(),
        Some("7")
    );

    // The same again changes nothing; a rejection does.
    let same = store
        .apply_pulled(
            &[pulled(other, 7, Some(content("Tajine", "250", 50)))],
            "7",
            101,
        )
        .unwrap();
    assert_eq!(same.changed, 0);
    let mut rejected = pulled(other, 8, Some(content("Tajine", "250", 50)));
    rejected.moderation = Moderation::Rejected {
        reason: Some("Photo floue".into()),
    };
    assert_eq!(
        store.apply_pulled(&[rejected], "8", 102).unwrap().changed,
        1
    );
    assert_eq!(
        store.listing(other).unwrap().unwrap().moderation,
        Some(Moderation::Rejected {
            reason: Some("Photo floue".into())
        })
    );

    // A deletion from elsewhere: gone from the list, still no outbox row.
    let mut deleted = pulled(other, 9, None);
    deleted.deleted = true;
    assert_eq!(store.apply_pulled(&[deleted], "9", 103).unwrap().changed, 1);
    assert!(store.listings().unwrap().is_empty());
    assert_eq!(store.pending_count().unwrap(), 0);
}

#[test]
fn a_listing_with_a_waiting_edit_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let mine = store
        .create_listing(new_listing("Tapis", "3200"), 10)
        .unwrap();
    send_all(&mut store);
    store
        .apply_pulled(
            &[pulled(mine.id, 3, Some(content("Tapis", "3200", 10)))],
            "3",
            11,
        )
        .unwrap();
    let mut input = mine.to_input();
    input.price = Price::parse("3000").unwrap();
    store
        .update_listing(mine.id, NewListing::validate(input).unwrap(), 20)
        .unwrap();

    // Another laptop changed the title meanwhile; the local edit stays,
    // and so does the version it started from. Moderation is taken.
    let mut theirs = pulled(mine.id, 5, Some(content("Tapis ancien", "3200", 15)));
    theirs.moderation = Moderation::Pending;
    let applied = store.apply_pulled(&[theirs], "5", 21).unwrap();
    assert_eq!((applied.changed, applied.kept_local), (1, 1));
    let listing = store.listing(mine.id).unwrap().unwrap();
    assert_eq!(listing.titles.fr.as_deref(), Some("Tapis"));
    assert_eq!(listing.price, Price::parse("3000").unwrap());
    assert_eq!(listing.server_version, Some(3));
    assert_eq!(listing.moderation, Some(Moderation::Pending));
    assert_eq!(listing.sync, SyncState::Waiting);
    assert_eq!(store.pending_count().unwrap(), 1);

    // A deletion elsewhere does not drop the waiting edit either.
    let mut deleted = pulled(mine.id, 6, None);
    deleted.deleted = true;
    store.apply_pulled(&[deleted], "6", 22).unwrap();
    assert!(!store.listing(mine.id).unwrap().unwrap().deleted);
}

#[test]
fn versions_from_push_results_never_go_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store.create_listing(new_listing("Savon", "20"), 1).unwrap();
    store.record_versions(&[(a.id, 4)]).unwrap();
    store.record_versions(&[(a.id, 2)]).unwrap();
    assert_eq!(
        store.listing(a.id).unwrap().unwrap().server_version,
        Some(4)
    );
}
