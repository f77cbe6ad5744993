//! The demo shop filled against a real marketplace on loopback.

use std::collections::BTreeSet;

use market::admin;
use store::LedgerState;

use super::*;

#[test]
fn the_demo_shop_has_live_waiting_and_rejected_listings() {
    let market_dir = tempfile::tempdir().unwrap();
    let market = market::Market::open(market_dir.path()).unwrap();
    admin::ensure_cooperative(&market, SHOP_SLUG, SHOP_NAME).unwrap();
    let code = admin::enrollment_code(&market, SHOP_SLUG).unwrap();
    // The server runs on this runtime's threads; `fill` blocks on its own.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(test_support::TestMarket::start(market.clone()));

    let app_dir = tempfile::tempdir().unwrap();
    let data = app_dir.path().join("app-data");
    assert!(is_empty(&data));
    let filled = fill(&data, &server.url(), &code, |listing, reason| {
        admin::reject_listing(&market, listing, reason)
    })
    .unwrap();
    assert!(!is_empty(&data));
    assert_eq!(filled.listings, 32);

    let store = store::open(&data.join("catalog.db")).unwrap();
    let listings = store.listings().unwrap();
    assert_eq!(listings.len(), 32);
    let mut live = 0;
    let mut waiting = BTreeSet::new();
    let mut rejected = Vec::new();
    for listing in &listings {
        match store.ledger(listing.id).unwrap().state {
            LedgerState::Live => live += 1,
            LedgerState::Waiting => {
                waiting.insert(listing.id.uuid());
            }
            LedgerState::Rejected { reason } => rejected.push((listing.id.uuid(), reason)),
            other => panic!("{}: {other:?}", listing.id),
        }
    }
    assert_eq!(live, 32 - 1 - WAITING);
    assert_eq!(waiting, filled.waiting.iter().copied().collect());
    assert_eq!(
        rejected,
        vec![(filled.rejected, Some(REJECTION.to_owned()))]
    );
    let with_photos = listings.iter().filter(|l| !l.photos.is_empty()).count();
    assert_eq!(with_photos, WITH_PHOTOS);

    // The marketplace shows the others, with the photos the pipeline made
    // (the rejected listing had one).
    let catalog = runtime.block_on(server.catalog());
    assert_eq!(catalog.listings.len(), 31);
    let public_photos = catalog
        .listings
        .iter()
        .filter(|l| !l.photos.is_empty())
        .count();
    assert_eq!(public_photos, WITH_PHOTOS - 1);

    // Filling again is refused: the catalog is not empty.
    drop(store);
    assert!(fill(&data, &server.url(), &code, |_, _| Ok(())).is_err());
    runtime.block_on(server.stop());
}
