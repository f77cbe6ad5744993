//! Two laptops editing the same listing: the server merges field by field
//! by clock and sums stock deltas; each laptop ends with the merged listing.

use store::{ListingInput, NewListing, Price, Titles};
use sync::sync_once;

use crate::pull::{Laptop, atlas, edit_price, laptop};

pub(crate) fn edit(
    laptop: &Laptop,
    id: store::ListingId,
    now_ms: i64,
    f: impl FnOnce(&mut ListingInput),
) {
    let mut store = laptop.store.lock().unwrap();
    let mut input = store.listing(id).unwrap().unwrap().to_input();
    f(&mut input);
    store
        .update_listing(id, NewListing::validate(input).unwrap(), now_ms)
        .unwrap();
}

pub(crate) fn listing(laptop: &Laptop, id: store::ListingId) -> store::Listing {
    laptop.store.lock().unwrap().listing(id).unwrap().unwrap()
}

/// A listing of 10 created on A at `now_ms`, known to both laptops.
async fn shared_listing(a: &Laptop, b: &Laptop, now_ms: i64) -> store::ListingId {
    let mut input = ListingInput::quick(
        Titles::from_single("Huile d'argan 1 l"),
        Price::parse("180").unwrap(),
    );
    input.stock = 10;
    let id = a
        .store
        .lock()
        .unwrap()
        .create_listing(NewListing::validate(input).unwrap(), now_ms)
        .unwrap()
        .id;
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    assert_eq!(listing(b, id).stock, 10);
    id
}

#[tokio::test]
async fn sales_on_two_laptops_both_count() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let (a, b) = (
        laptop(dir.path(), "a", &server),
        laptop(dir.path(), "b", &server),
    );
    let id = shared_listing(&a, &b, 100).await;

    // The same day, offline from each other: A sells 2 (in two sales), B sells 3.
    edit(&a, id, 200, |l| l.stock -= 1);
    edit(&a, id, 210, |l| l.stock -= 1);
    edit(&b, id, 300, |l| l.stock -= 3);
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    assert_eq!(listing(&a, id).stock, 5);
    assert_eq!(listing(&b, id).stock, 5);
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
    assert_eq!(b.store.lock().unwrap().pending_count().unwrap(), 0);
}

#[tokio::test]
async fn edits_of_different_fields_both_survive() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let (a, b) = (
        laptop(dir.path(), "a", &server),
        laptop(dir.path(), "b", &server),
    );
    let id = shared_listing(&a, &b, 100).await;

    edit_price(&a, id, "175", 200);
    edit(&b, id, 300, |l| {
        l.titles = Titles::from_single("Huile d'argan alimentaire 1 l")
    });
    sync_once(&a.engine).await.unwrap();
    sync_once(&b.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    for laptop in [&a, &b] {
        let l = listing(laptop, id);
        assert_eq!(l.price, Price::parse("175").unwrap());
        assert_eq!(
            l.titles.fr.as_deref(),
            Some("Huile d'argan alimentaire 1 l")
        );
    }
    let public = &server.catalog().await.listings[0];
    assert_eq!(public.price_centimes, 17_500);
    assert_eq!(
        public.title.fr.as_deref(),
        Some("Huile d'argan alimentaire 1 l")
    );
}

#[tokio::test]
async fn the_later_edit_of_one_field_wins_and_the_earlier_laptop_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let (a, b) = (
        laptop(dir.path(), "a", &server),
        laptop(dir.path(), "b", &server),
    );
    let id = shared_listing(&a, &b, 100).await;

    edit_price(&a, id, "170", 1_000);
    edit_price(&b, id, "190", 2_000);
    sync_once(&b.engine).await.unwrap();
    // A's edit is older by clock: the server keeps B's price and says so.
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!((report.accepted, report.conflicts), (1, 1), "{report:?}");
    assert_eq!(listing(&a, id).price, Price::parse("190").unwrap());
    assert_eq!(a.store.lock().unwrap().pending_count().unwrap(), 0);
    assert_eq!(server.catalog().await.listings[0].price_centimes, 19_000);
}

/// The laptop whose edit lost sees it with both values, and taking its
/// value back is a later edit that wins everywhere, without a new conflict.
#[tokio::test]
async fn a_lost_edit_shows_and_taking_it_back_wins_on_every_laptop() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let (a, b) = (
        laptop(dir.path(), "a", &server),
        laptop(dir.path(), "b", &server),
    );
    let id = shared_listing(&a, &b, 100).await;

    edit_price(&a, id, "170", 1_000);
    edit_price(&b, id, "190", 2_000);
    sync_once(&b.engine).await.unwrap();
    sync_once(&a.engine).await.unwrap();
    let conflicts = a.store.lock().unwrap().conflicts(id).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].field, protocol::ListingField::Price);
    assert_eq!(conflicts[0].mine, serde_json::json!(17_000));
    assert_eq!(conflicts[0].theirs, serde_json::json!(19_000));
    assert!(b.store.lock().unwrap().all_conflicts().unwrap().is_empty());

    a.store
        .lock()
        .unwrap()
        .take_back(id, protocol::ListingField::Price, 3_000)
        .unwrap();
    let report = sync_once(&a.engine).await.unwrap();
    assert_eq!((report.accepted, report.conflicts), (1, 0), "{report:?}");
    sync_once(&b.engine).await.unwrap();
    for laptop in [&a, &b] {
        assert_eq!(listing(laptop, id).price, Price::parse("170").unwrap());
        assert!(
            laptop
                .store
                .lock()
                .unwrap()
                .all_conflicts()
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(server.catalog().await.listings[0].price_centimes, 17_000);
}

/// A delete older (by clock) than another laptop's edit loses, whatever
/// arrives first: the server answers `conflict` with the listing, and the
/// laptop that deleted it takes it back.
#[tokio::test]
async fn a_delete_older_than_an_edit_that_arrived_first_loses() {
    let dir = tempfile::tempdir().unwrap();
    let server = atlas(dir.path()).await;
    let (a, b) = (
        laptop(dir.path(), "a", &server),
        laptop(dir.path(), "b", &server),
    );
    let id = shared_listing(&a, &b, 100).await;

    // Pulls move the laptops' clocks to the wall clock: edit after it.
    let now = sync::Clock::now_ms(&sync::SystemClock);
    b.store
        .lock()
        .unwrap()
        .delete_listing(id, now + 1_000)
        .unwrap();
    edit_price(&a, id, "160", now + 2_000);
    sync_once(&a.engine).await.unwrap();
    let report = sync_once(&b.engine).await.unwrap();
    assert_eq!((report.accepted, report.conflicts), (1, 1), "{report:?}");
    assert!(!listing(&b, id).deleted, "B takes the listing back");
    assert_eq!(listing(&b, id).price, Price::parse("160").unwrap());
    sync_once(&a.engine).await.unwrap();
    assert!(!listing(&a, id).deleted);
    assert_eq!(server.catalog().await.listings.len(), 1);
}
