//! Lost edits: kept, shown with both values, taken back or let go.

use protocol::ListingField;
use serde_json::json;
use store::{ListingId, ListingInput, NewListing, Price, PulledContent, Titles};

use crate::{new_listing, send_all};

fn edit(store: &mut store::Store, id: ListingId, now_ms: i64, f: impl FnOnce(&mut ListingInput)) {
    let mut input = store.listing(id).unwrap().unwrap().to_input();
    f(&mut input);
    store
        .update_listing(id, NewListing::validate(input).unwrap(), now_ms)
        .unwrap();
}

/// The marketplace's merged answer: the other laptop's title and price won.
fn theirs(title: &str, price: &str) -> PulledContent {
    PulledContent {
        input: ListingInput::quick(Titles::from_single(title), Price::parse(price).unwrap()),
        updated_at_ms: 50,
        stock_unknown: true,
        status_unknown: true,
    }
}

/// A store with one listing whose price edit (3200 → 3000) was pushed and
/// lost to another laptop's 3500; the title was in the lost fields too but
/// both laptops had the same one.
fn lost_price(dir: &std::path::Path) -> (store::Store, ListingId) {
    let mut store = store::open(&dir.join("catalog.db")).unwrap();
    let id = store
        .create_listing(new_listing("Tapis", "3200"), 1)
        .unwrap()
        .id;
    send_all(&mut store);
    edit(&mut store, id, 10, |l| {
        l.price = Price::parse("3000").unwrap()
    });
    send_all(&mut store);
    let lost = [ListingField::Title, ListingField::Price];
    assert!(
        store
            .take_merged(id, theirs("Tapis", "3500"), &lost, Some(4), 60)
            .unwrap()
    );
    (store, id)
}

#[test]
fn a_lost_edit_is_kept_with_both_values_and_only_where_they_differ() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = lost_price(dir.path());
    assert_eq!(
        store.listing(id).unwrap().unwrap().price,
        Price::parse("3500").unwrap(),
        "the merge's value is what the listing holds"
    );
    let conflicts = store.conflicts(id).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(c.field, ListingField::Price);
    assert_eq!(c.field_name(), "price");
    assert_eq!(c.mine, json!(300_000));
    assert_eq!(c.theirs, json!(350_000));
    assert_eq!(c.at_ms, 60);
    drop(store);

    let store = store::open(&dir.path().join("catalog.db")).unwrap();
    assert_eq!(
        store.all_conflicts().unwrap().len(),
        1,
        "kept across restarts"
    );
}

#[test]
fn taking_mine_back_is_a_new_edit_of_that_field_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = lost_price(dir.path());
    assert_eq!(store.pending_count().unwrap(), 0);
    let back = store.take_back(id, ListingField::Price, 70).unwrap();
    assert_eq!(back.price, Price::parse("3000").unwrap());
    assert!(store.conflicts(id).unwrap().is_empty());
    let pending = store.pending_changes(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].fields, Some(vec![ListingField::Price]));
    let hlc = pending[0].hlc.expect("stamped");
    assert!(hlc.ms >= 60, "later than the merge it answers: {hlc:?}");

    let err = store.take_back(id, ListingField::Price, 80).unwrap_err();
    assert!(matches!(err, store::Error::NotFound(_)), "{err}");
}

#[test]
fn keeping_theirs_forgets_the_lost_edit_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = lost_price(dir.path());
    store.keep_theirs(id, ListingField::Price).unwrap();
    assert!(store.conflicts(id).unwrap().is_empty());
    assert_eq!(store.pending_count().unwrap(), 0);
    assert_eq!(
        store.listing(id).unwrap().unwrap().price,
        Price::parse("3500").unwrap()
    );
    assert!(store.keep_theirs(id, ListingField::Price).is_err());
}

#[test]
fn editing_the_field_again_settles_it_and_other_fields_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = lost_price(dir.path());
    edit(&mut store, id, 70, |l| l.origin = Some("Taznakht".into()));
    assert_eq!(store.conflicts(id).unwrap().len(), 1, "another field");
    edit(&mut store, id, 80, |l| {
        l.price = Price::parse("3300").unwrap()
    });
    assert!(
        store.conflicts(id).unwrap().is_empty(),
        "price chosen again"
    );
}

#[test]
fn deleting_the_listing_settles_its_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = lost_price(dir.path());
    store.delete_listing(id, 90).unwrap();
    assert!(store.all_conflicts().unwrap().is_empty());
}

#[test]
fn a_merge_into_a_listing_edited_again_here_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let id = store
        .create_listing(new_listing("Tapis", "3200"), 1)
        .unwrap()
        .id;
    send_all(&mut store);
    edit(&mut store, id, 10, |l| {
        l.price = Price::parse("3000").unwrap()
    });
    send_all(&mut store);
    // Edited again before the answer was taken in: that edit goes next.
    edit(&mut store, id, 20, |l| {
        l.price = Price::parse("2900").unwrap()
    });
    store
        .take_merged(
            id,
            theirs("Tapis", "3500"),
            &[ListingField::Price],
            Some(4),
            60,
        )
        .unwrap();
    assert!(store.all_conflicts().unwrap().is_empty());
    assert_eq!(
        store.listing(id).unwrap().unwrap().price,
        Price::parse("2900").unwrap()
    );
}
