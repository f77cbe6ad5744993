//! Removing a listing, saving a stale editor, and freezing sent changes,
//! on a real SQLite file.

use protocol::ListingField;
use store::{ListingInput, NewListing, PushAck, Removal, Status};
use uuid::Uuid;

use crate::new_listing;

#[test]
fn a_listing_that_never_went_out_is_deleted_one_that_did_is_archived() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let draft = store
        .create_listing(new_listing("Tajine", "90"), 1)
        .unwrap();
    let sent = store
        .create_listing(new_listing("Tapis", "3200"), 2)
        .unwrap();
    // `sent` went out (frozen), its answer never came: it may be live.
    let pending = store.pending_changes(10).unwrap();
    let p = pending.iter().find(|p| p.listing_id == sent.id).unwrap();
    store
        .freeze_sends(&[(sent.id, p.change_id, p.seq, "{}".to_owned())])
        .unwrap();

    assert_eq!(store.remove_listing(draft.id, 3).unwrap(), Removal::Deleted);
    assert!(store.listing(draft.id).unwrap().is_none());
    assert!(
        store
            .pending_changes(10)
            .unwrap()
            .iter()
            .all(|p| p.listing_id != draft.id)
    );
    let query = store::SearchQuery {
        text: Some("Tajine".to_owned()),
        ..store::SearchQuery::default()
    };
    assert!(store.search(&query).unwrap().is_empty());

    assert_eq!(store.remove_listing(sent.id, 4).unwrap(), Removal::Archived);
    assert_eq!(
        store.listing(sent.id).unwrap().unwrap().status,
        Status::Archived
    );
}

#[test]
fn a_sent_change_goes_again_unchanged_and_later_edits_wait_for_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let listing = store
        .create_listing(new_listing("Huile d'argan", "180"), 1)
        .unwrap();
    let first = store.pending_changes(10).unwrap().remove(0);
    store
        .freeze_sends(&[(listing.id, first.change_id, first.seq, "BODY-1".to_owned())])
        .unwrap();
    // Edited while the first change is out.
    let mut input = listing.to_input();
    input.stock = 4;
    store
        .update_listing(listing.id, NewListing::validate(input).unwrap(), 2)
        .unwrap();

    let again = store.pending_changes(10).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].change_id, first.change_id);
    assert_eq!(again[0].frozen.as_deref(), Some("BODY-1"));
    // Freezing again keeps the first body.
    store
        .freeze_sends(&[(
            listing.id,
            Uuid::now_v7(),
            again[0].seq,
            "BODY-2".to_owned(),
        )])
        .unwrap();
    assert_eq!(
        store.pending_changes(10).unwrap()[0].frozen.as_deref(),
        Some("BODY-1")
    );

    // Answered: the next change carries only the later edit.
    store
        .record_acks(&[(listing.id, first.seq, PushAck::Accepted)], 3)
        .unwrap();
    let next = store.pending_changes(10).unwrap();
    assert_eq!(next.len(), 1);
    assert_ne!(next[0].change_id, first.change_id);
    assert_eq!(next[0].frozen, None);
    assert_eq!(next[0].fields.as_deref(), Some(&[ListingField::Stock][..]));
}

#[test]
fn status_changes_are_pushed_like_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let listing = store
        .create_listing(new_listing("Babouches", "250"), 1)
        .unwrap();
    let acks: Vec<_> = store
        .pending_changes(10)
        .unwrap()
        .iter()
        .map(|p| (p.listing_id, p.seq, PushAck::Accepted))
        .collect();
    store.record_acks(&acks, 2).unwrap();
    let mut input: ListingInput = listing.to_input();
    input.status = Status::Archived;
    store
        .update_listing(listing.id, NewListing::validate(input).unwrap(), 3)
        .unwrap();
    let pending = store.pending_changes(10).unwrap();
    assert_eq!(
        pending[0].fields.as_deref(),
        Some(&[ListingField::Status][..])
    );
}

#[test]
fn data_used_is_counted_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&dir.path().join("catalog.db")).unwrap();
    let day = 86_400_000;
    let noon = 20_000 * day + day / 2;
    assert_eq!(store.data_used(noon).unwrap(), 0);
    assert_eq!(store.add_data_used(noon, 1_000).unwrap(), 1_000);
    assert_eq!(store.add_data_used(noon + 1_000, 500).unwrap(), 1_500);
    assert_eq!(store.data_used(noon).unwrap(), 1_500);
    // The next day starts again from zero.
    assert_eq!(store.data_used(noon + day).unwrap(), 0);
    assert_eq!(store.add_data_used(noon + day, 7).unwrap(), 7);
    assert_eq!(store.data_used(noon).unwrap(), 0);
}
