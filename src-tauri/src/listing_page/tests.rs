use super::*;
use crate::ipc::{ListingStatus, SyncFilter, SyncView};

/// A catalog of `n` listings named `Tapis n°i`, created in order (so the
/// newest is the last), every third one archived; then the first `live`
/// acknowledged and the next `failed` refused by the marketplace.
fn catalog(n: usize, live: usize, failed: usize) -> (tempfile::TempDir, store::Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store::open(&dir.path().join("catalog.db")).unwrap();
    for i in 0..n {
        let titles = store::Titles::from_single(&format!("Tapis n°{i}"));
        let new = store::NewListing::new(titles, store::Price::parse("100").unwrap()).unwrap();
        let listing = s.create_listing(new, 1_000 + i as i64).unwrap();
        if i % 3 == 2 {
            let mut input = listing.to_input();
            input.status = store::Status::Archived;
            let new = store::NewListing::validate(input).unwrap();
            s.update_listing(listing.id, new, 1_000 + i as i64).unwrap();
        }
    }
    let pending = s.pending_changes(n).unwrap();
    let acks: Vec<_> = pending
        .iter()
        .take(live + failed)
        .enumerate()
        .map(|(i, p)| {
            let ack = if i < live {
                store::PushAck::Accepted
            } else {
                store::PushAck::Rejected {
                    reason: "invalid".into(),
                }
            };
            (p.listing_id, p.seq, ack)
        })
        .collect();
    s.record_acks(&acks, 9_999).unwrap();
    (dir, s)
}

fn titles(page: &ListingPage) -> Vec<String> {
    page.listings.iter().map(|l| l.title.clone()).collect()
}

#[test]
fn pages_follow_each_other_newest_first_and_say_when_more_is_left() {
    let (_dir, s) = catalog(7, 0, 0);
    let query = |offset| ListingQuery {
        offset,
        limit: 3,
        ..Default::default()
    };
    let first = listing_page(&s, &query(0)).unwrap();
    assert_eq!(titles(&first), ["Tapis n°6", "Tapis n°5", "Tapis n°4"]);
    assert!(first.more);
    let last = listing_page(&s, &query(6)).unwrap();
    assert_eq!(titles(&last), ["Tapis n°0"]);
    assert!(!last.more);
    let exact = listing_page(&s, &query(4)).unwrap();
    assert_eq!(exact.listings.len(), 3);
    assert!(!exact.more, "nothing after the 7th row");
}

#[test]
fn filters_by_status_and_by_sync_state_together_and_apart() {
    let (_dir, s) = catalog(9, 4, 2);
    let page = |status, sync| {
        listing_page(
            &s,
            &ListingQuery {
                status,
                sync,
                limit: 50,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let archived = page(Some(ListingStatus::Archived), None);
    assert_eq!(titles(&archived), ["Tapis n°8", "Tapis n°5", "Tapis n°2"]);
    assert!(
        archived
            .listings
            .iter()
            .all(|l| l.status == ListingStatus::Archived)
    );

    let live = page(None, Some(SyncFilter::Live));
    assert_eq!(live.listings.len(), 4);
    assert!(
        live.listings
            .iter()
            .all(|l| matches!(l.sync, SyncView::Live))
    );
    let failed = page(None, Some(SyncFilter::Failed));
    assert_eq!(failed.listings.len(), 2);
    assert!(
        failed
            .listings
            .iter()
            .all(|l| matches!(&l.sync, SyncView::Failed { reason } if reason == "invalid"))
    );
    let waiting = page(None, Some(SyncFilter::Waiting));
    assert_eq!(waiting.listings.len(), 3);

    let both = page(Some(ListingStatus::Ready), Some(SyncFilter::Waiting));
    assert!(!both.listings.is_empty());
    assert!(
        both.listings
            .iter()
            .all(|l| l.status == ListingStatus::Ready && matches!(l.sync, SyncView::Waiting))
    );
    let total: usize = [SyncFilter::Waiting, SyncFilter::Live, SyncFilter::Failed]
        .into_iter()
        .map(|f| page(None, Some(f)).listings.len())
        .sum();
    assert_eq!(total, 9, "every listing is in exactly one sync state");
}

#[test]
fn a_sync_filtered_page_skips_what_was_shown_across_store_batches() {
    // More rows than one store batch, so the filter has to read on.
    let n = BATCH as usize + 50;
    let (_dir, s) = catalog(n, 0, 0);
    let query = |offset, limit| ListingQuery {
        sync: Some(SyncFilter::Waiting),
        offset,
        limit,
        ..Default::default()
    };
    let first = listing_page(&s, &query(0, 190)).unwrap();
    let second = listing_page(&s, &query(190, 190)).unwrap();
    assert!(first.more);
    assert!(!second.more);
    assert_eq!(first.listings.len() + second.listings.len(), n);
    assert_eq!(second.listings.last().unwrap().title, "Tapis n°0");
    assert_eq!(first.listings[0].title, format!("Tapis n°{}", n - 1));
}

#[test]
fn words_narrow_the_page() {
    let (_dir, s) = catalog(12, 0, 0);
    let page = listing_page(
        &s,
        &ListingQuery {
            text: Some("n°11".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(titles(&page), ["Tapis n°11"]);
}

#[test]
fn rows_are_read_again_by_id_and_a_removed_one_is_left_out() {
    let (_dir, mut s) = catalog(3, 0, 0);
    let all = s.listings().unwrap();
    let ids: Vec<_> = all.iter().map(|l| l.id).collect();
    s.remove_listing(ids[1], 5_000).unwrap();
    let views = listings_by_id(&s, &ids).unwrap();
    let got: Vec<_> = views.iter().map(|v| v.id.clone()).collect();
    assert_eq!(got, [ids[0].to_string(), ids[2].to_string()]);
}
