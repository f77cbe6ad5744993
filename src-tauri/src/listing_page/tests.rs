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

    // Acknowledged in order: n°0, n°1, n°2 (archived: kept off on
    // purpose), n°3 live; n°4 and n°5 refused; n°6–8 waiting.
    let count = |f| page(None, Some(f)).listings.len();
    let live = page(None, Some(SyncFilter::Live));
    assert_eq!(titles(&live), ["Tapis n°3", "Tapis n°1", "Tapis n°0"]);
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
    assert_eq!(count(SyncFilter::Waiting), 3);
    assert_eq!(
        titles(&page(None, Some(SyncFilter::NotPublic))),
        ["Tapis n°2"]
    );

    let both = page(Some(ListingStatus::Ready), Some(SyncFilter::Waiting));
    assert!(!both.listings.is_empty());
    assert!(
        both.listings
            .iter()
            .all(|l| l.status == ListingStatus::Ready && matches!(l.sync, SyncView::Waiting))
    );
    let states = [
        SyncFilter::Waiting,
        SyncFilter::InReview,
        SyncFilter::Live,
        SyncFilter::Failed,
        SyncFilter::NotPublic,
    ];
    let total: usize = states.into_iter().map(count).sum();
    assert_eq!(total, 9, "every listing is in exactly one state");
    assert_eq!(count(SyncFilter::Conflict), 0);
}

#[test]
fn in_review_and_lost_edits_have_their_own_filters() {
    let (_dir, mut s) = catalog(4, 4, 0);
    let ids: Vec<_> = s.listings().unwrap().iter().map(|l| l.id).collect();
    let page = |s: &store::Store, sync| {
        titles(
            &listing_page(
                s,
                &ListingQuery {
                    sync: Some(sync),
                    limit: 50,
                    ..Default::default()
                },
            )
            .unwrap(),
        )
    };
    // The moderators hold n°3 (the newest); another laptop's later price
    // of n°2 (archived) won over this laptop's.
    let held = s.listing(ids[0]).unwrap().unwrap();
    let pulled = store::Pulled {
        id: held.id,
        version: Some(7),
        deleted: false,
        content: None,
        moderation: store::Moderation::Pending,
        photos: None,
        photos_awaited: false,
        hlc: None,
    };
    s.apply_pulled(&[pulled], "7", 20_000).unwrap();
    let lost = s.listing(ids[1]).unwrap().unwrap();
    let mut theirs = lost.to_input();
    theirs.price = store::Price::parse("95").unwrap();
    let content = store::PulledContent {
        input: theirs,
        updated_at_ms: 21_000,
        stock_unknown: false,
        status_unknown: false,
    };
    s.take_merged(
        lost.id,
        content,
        &[protocol::ListingField::Price],
        Some(8),
        21_000,
    )
    .unwrap();

    assert_eq!(page(&s, SyncFilter::InReview), ["Tapis n°3"]);
    assert_eq!(page(&s, SyncFilter::Conflict), ["Tapis n°2"]);
    assert_eq!(
        page(&s, SyncFilter::Live),
        ["Tapis n°1", "Tapis n°0"],
        "n°3 is held, n°2 archived"
    );
    let view = &listings_by_id(&s, &[lost.id]).unwrap()[0];
    assert_eq!(view.ledger.as_ref().unwrap().conflicts, 1);
}

#[test]
fn a_rows_ledger_says_how_many_photos_and_kilobytes_wait() {
    let (dir, mut s) = catalog(1, 1, 0);
    let id = s.listings().unwrap()[0].id;
    let mut shas = Vec::new();
    for (n, size) in [("a", 250_000usize), ("b", 180_000)] {
        // The catalog does not look inside: names and sizes are what count.
        let display_sha = n.repeat(64);
        let thumb_sha = format!("{n}{}", "f".repeat(63));
        for (sha, len) in [(&display_sha, size), (&thumb_sha, 20_000)] {
            let path = photos::photo_path(dir.path(), sha);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, vec![0u8; len]).unwrap();
        }
        s.record_photo(
            &store::PhotoRecord {
                display_sha256: display_sha.clone(),
                thumb_sha256: thumb_sha,
                width: 1600,
                height: 1200,
                source_name: None,
            },
            30_000,
        )
        .unwrap();
        shas.push(display_sha);
    }
    let listing = s.attach_photos(id, &shas, 30_000).unwrap();
    let ledger =
        |s: &store::Store| crate::ipc::LedgerView::of(s, &s.listing(id).unwrap().unwrap()).unwrap();
    let waiting = ledger(&s);
    assert_eq!(waiting.state, crate::ipc::LedgerKey::Waiting);
    assert!(waiting.text_waiting, "the photo list is an edit to send");
    assert_eq!((waiting.photos_on_market, waiting.photos_total), (0, 2));
    assert_eq!(
        waiting.kb_waiting,
        (250_000u32 + 180_000 + 40_000).div_ceil(1024)
    );
    assert_eq!(listing.photos.len(), 2);

    // The first photo reached the marketplace: 1 of 2, its bytes no longer wait.
    s.mark_photos_synced(id, &shas[0]).unwrap();
    let partly = ledger(&s);
    assert_eq!((partly.photos_on_market, partly.photos_total), (1, 2));
    assert_eq!(partly.kb_waiting, (180_000u32 + 20_000).div_ceil(1024));
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
