use store::{PendingOp, PushAck, SyncState};

use crate::new_listing;

#[test]
fn outbox_entry_commits_with_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let mut store = store::open(&path).unwrap();
    let listing = store
        .create_listing(new_listing("Tapis Azilal", "3200"), 10)
        .unwrap();

    // A second connection sees both the listing and its outbox row, or neither.
    let other = store::open(&path).unwrap();
    let pending = other.pending_changes(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].listing_id, listing.id);
    assert_eq!(pending[0].op, PendingOp::Upsert(Box::new(listing.clone())));
    assert_eq!(other.pending_count().unwrap(), 1);
}

#[test]
fn a_failed_write_leaves_no_outbox_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let missing = store::ListingId::new();
    assert!(
        store
            .update_listing(missing, new_listing("Tapis", "1"), 1)
            .is_err()
    );
    assert!(store.pending_changes(10).unwrap().is_empty());
}

#[test]
fn changes_to_one_listing_fold_into_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Tajine", "250"), 1)
        .unwrap();
    let b = store
        .create_listing(new_listing("طاجين", "300"), 2)
        .unwrap();
    let a2 = store
        .update_listing(a.id, new_listing("Tajine de Safi", "275"), 3)
        .unwrap();

    let pending = store.pending_changes(10).unwrap();
    assert_eq!(pending.len(), 2);
    // b's change is older than a's newest one.
    assert_eq!(pending[0].listing_id, b.id);
    assert_eq!(pending[1].op, PendingOp::Upsert(Box::new(a2.clone())));

    let acks: Vec<_> = pending
        .iter()
        .map(|p| (p.listing_id, p.seq, PushAck::Accepted))
        .collect();
    store.record_acks(&acks, 4).unwrap();
    assert!(store.pending_changes(10).unwrap().is_empty());
    assert!(
        store
            .listings()
            .unwrap()
            .iter()
            .all(|l| l.sync == SyncState::Live)
    );

    // An edit after the ack is pending again.
    store
        .update_listing(b.id, new_listing("طاجين آسفي", "310"), 5)
        .unwrap();
    assert_eq!(
        store.listing(b.id).unwrap().unwrap().sync,
        SyncState::Waiting
    );
}

#[test]
fn an_edit_made_while_a_push_is_in_flight_stays_pending() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Huile d'argan", "180"), 1)
        .unwrap();
    let in_flight = store.pending_changes(10).unwrap();
    store
        .update_listing(a.id, new_listing("Huile d'argan bio", "190"), 2)
        .unwrap();
    store
        .record_acks(&[(a.id, in_flight[0].seq, PushAck::Accepted)], 3)
        .unwrap();

    let pending = store.pending_changes(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_ne!(pending[0].change_id, in_flight[0].change_id);
}

#[test]
fn rejection_shows_as_failed_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Savon noir", "40"), 1)
        .unwrap();
    let p = store.pending_changes(1).unwrap();
    store
        .record_acks(
            &[(
                a.id,
                p[0].seq,
                PushAck::Rejected {
                    reason: "invalid".into(),
                },
            )],
            2,
        )
        .unwrap();
    assert_eq!(
        store.listing(a.id).unwrap().unwrap().sync,
        SyncState::Failed {
            reason: "invalid".into()
        }
    );

    store.delete_listing(a.id, 3).unwrap();
    assert_eq!(store.pending_changes(10).unwrap()[0].op, PendingOp::Delete);
    assert!(store.listings().unwrap().is_empty());
}

#[test]
fn attaching_photos_appends_once_and_queues_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Tapis", "100"), 1)
        .unwrap();
    let p = store.pending_changes(1).unwrap();
    store
        .record_acks(&[(a.id, p[0].seq, PushAck::Accepted)], 2)
        .unwrap();
    let photo = store::PhotoRecord {
        display_sha256: "ab".repeat(32),
        thumb_sha256: "cd".repeat(32),
        width: 1600,
        height: 1200,
        source_name: Some("IMG_0001.jpg".into()),
    };
    store.record_photo(&photo, 3).unwrap();
    store.record_photo(&photo, 4).unwrap();
    assert_eq!(
        store.photo(&photo.display_sha256).unwrap(),
        Some(photo.clone())
    );

    let hashes = vec![photo.display_sha256.clone(), "ef".repeat(32)];
    store.attach_photos(a.id, &hashes, 5).unwrap();
    let listing = store.attach_photos(a.id, &hashes[..1], 6).unwrap();
    assert_eq!(listing.photos, hashes, "cover first, no duplicates");
    assert_eq!(listing.sync, SyncState::Waiting);
}

#[test]
fn every_ledger_state_at_once_is_what_each_ledger_says() {
    use store::{LedgerState, ListingInput, NewListing, PhotoRecord, Price, Status, Titles};
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let make = |store: &mut store::Store, title: &str, draft: bool| {
        let mut input =
            ListingInput::quick(Titles::from_single(title), Price::parse("120").unwrap());
        if draft {
            input.status = Status::Draft;
        }
        store
            .create_listing(NewListing::validate(input).unwrap(), 1)
            .unwrap()
            .id
    };
    let live = make(&mut store, "Huile d'argan", false);
    let refused = make(&mut store, "Tapis", false);
    let draft = make(&mut store, "Brouillon", true);
    let photo_waiting = make(&mut store, "Jarre", false);
    let photo_sent = make(&mut store, "Plat", false);
    let acks: Vec<_> = store
        .pending_changes(100)
        .unwrap()
        .iter()
        .map(|p| {
            let ack = if p.listing_id == refused {
                PushAck::Rejected {
                    reason: "invalid".to_owned(),
                }
            } else {
                PushAck::Accepted
            };
            (p.listing_id, p.seq, ack)
        })
        .collect();
    store.record_acks(&acks, 2).unwrap();
    for (id, n) in [(photo_waiting, "a"), (photo_sent, "b")] {
        let display = n.repeat(64);
        store
            .record_photo(
                &PhotoRecord {
                    display_sha256: display.clone(),
                    thumb_sha256: "c".repeat(64),
                    width: 1600,
                    height: 1200,
                    source_name: None,
                },
                3,
            )
            .unwrap();
        store.attach_photos(id, &[display], 3).unwrap();
    }
    crate::send_all(&mut store);
    store
        .mark_photos_synced(photo_sent, &"b".repeat(64))
        .unwrap();
    let text_waiting = make(&mut store, "Babouches", false);

    let states = store.ledger_states().unwrap();
    assert_eq!(states.len(), 6);
    for (listing, state) in &states {
        assert_eq!(
            *state,
            store.ledger(listing.id).unwrap().state,
            "{:?}",
            listing.titles
        );
    }
    let state_of = |id| states.iter().find(|(l, _)| l.id == id).unwrap().1.clone();
    assert_eq!(state_of(live), LedgerState::Live);
    assert!(matches!(state_of(refused), LedgerState::Rejected { .. }));
    assert!(matches!(state_of(draft), LedgerState::NotPublic { .. }));
    assert_eq!(state_of(photo_waiting), LedgerState::Waiting);
    assert_eq!(state_of(photo_sent), LedgerState::Live);
    assert_eq!(state_of(text_waiting), LedgerState::Waiting);
}
