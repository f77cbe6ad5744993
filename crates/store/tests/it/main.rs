//! Store behaviour on real SQLite files.

mod backup;
mod bundle;
mod clocks;
mod conflicts;
mod csv;
mod durability;
mod edit_save;
mod kill;
mod outbox;
mod photo_pull;
mod photo_sync;
mod pull;
mod sales;
mod search;

use store::{NewListing, Price, Titles};

pub(crate) fn new_listing(title: &str, price: &str) -> NewListing {
    NewListing::new(Titles::from_single(title), Price::parse(price).unwrap()).unwrap()
}

pub(crate) const DEMO_CSV: &[u8] = include_bytes!("../../../../assets/demo/demo-catalog.csv");

/// A store holding the 32 products of the demo catalog.
pub(crate) fn demo_store(dir: &std::path::Path) -> store::Store {
    let mut store = store::open(&dir.join("catalog.db")).unwrap();
    let plan = store::plan_import(DEMO_CSV).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(store.apply_import(&plan, 1_000).unwrap(), 32);
    store
}

/// Acknowledges every pending change, as a marketplace that took them all.
pub(crate) fn send_all(store: &mut store::Store) {
    let acks: Vec<_> = store
        .pending_changes(100)
        .unwrap()
        .iter()
        .map(|p| (p.listing_id, p.seq, store::PushAck::Accepted))
        .collect();
    store.record_acks(&acks, 1).unwrap();
}
