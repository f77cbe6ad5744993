use protocol::{Hlc, ListingField};
use store::{
    ListingId, ListingInput, Moderation, NewListing, PendingChange, Price, Pulled, PulledContent,
    PushAck, Titles,
};

use crate::new_listing;

fn ack_all(store: &mut store::Store) -> Vec<PendingChange> {
    let pending = store.pending_changes(100).unwrap();
    let acks: Vec<_> = pending
        .iter()
        .map(|p| (p.listing_id, p.seq, PushAck::Accepted))
        .collect();
    store.record_acks(&acks, 1).unwrap();
    pending
}

fn edit(store: &mut store::Store, id: ListingId, now_ms: i64, f: impl FnOnce(&mut ListingInput)) {
    let mut input = store.listing(id).unwrap().unwrap().to_input();
    f(&mut input);
    store
        .update_listing(id, NewListing::validate(input).unwrap(), now_ms)
        .unwrap();
}

fn only(store: &store::Store) -> PendingChange {
    let mut pending = store.pending_changes(100).unwrap();
    assert_eq!(pending.len(), 1);
    pending.remove(0)
}

#[test]
fn an_edit_sends_only_the_fields_it_set_and_sales_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let mut input = ListingInput::quick(
        Titles::from_single("Huile d'argan"),
        Price::parse("180").unwrap(),
    );
    input.stock = 10;
    let id = store
        .create_listing(NewListing::validate(input).unwrap(), 1_000)
        .unwrap()
        .id;

    // A new listing goes whole: all fields, stock as it is.
    let created = only(&store);
    assert_eq!((created.fields.clone(), created.stock_delta), (None, None));
    assert_eq!(created.base_version, None);
    assert_eq!(
        created.hlc,
        Some(Hlc {
            ms: 1_000,
            counter: 0
        })
    );
    ack_all(&mut store);
    store.record_versions(&[(id, 4)]).unwrap();

    // Only the price.
    edit(&mut store, id, 2_000, |l| {
        l.price = Price::parse("175").unwrap()
    });
    let price = only(&store);
    assert_eq!(price.fields, Some(vec![ListingField::Price]));
    assert_eq!(price.stock_delta, None);
    assert_eq!(price.base_version, Some(4));
    assert!(price.hlc > created.hlc);

    // Two sales, folded with the price edit into one push: the union of
    // the fields and the sum of the sales.
    edit(&mut store, id, 2_000, |l| l.stock -= 1);
    edit(&mut store, id, 1_500, |l| l.stock -= 2);
    let folded = only(&store);
    assert_eq!(
        folded.fields,
        Some(vec![ListingField::Price, ListingField::Stock])
    );
    assert_eq!(folded.stock_delta, Some(-3));
    assert_eq!(folded.base_version, Some(4));
    // Same millisecond, then a wall clock gone back: the clock still moves on.
    assert_eq!(
        folded.hlc,
        Some(Hlc {
            ms: 2_000,
            counter: 2
        })
    );
    assert!(folded.hlc > price.hlc);

    // Once acknowledged, the next edit starts a new fold.
    ack_all(&mut store);
    edit(&mut store, id, 3_000, |l| l.stock += 5);
    let restock = only(&store);
    assert_eq!(restock.fields, Some(vec![ListingField::Stock]));
    assert_eq!(restock.stock_delta, Some(5));

    // Photos are not a wire field: an edit of only those sets none.
    ack_all(&mut store);
    store.attach_photos(id, &["ab".repeat(32)], 4_000).unwrap();
    assert_eq!(only(&store).fields, Some(vec![]));
    assert_eq!(only(&store).stock_delta, None);
}

#[test]
fn the_clock_survives_a_restart_and_moves_past_what_pulls_show() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    {
        let mut store = store::open(&path).unwrap();
        store
            .create_listing(new_listing("Tapis", "10"), 5_000)
            .unwrap();
        assert_eq!(
            store.device_hlc().unwrap(),
            Hlc {
                ms: 5_000,
                counter: 0
            }
        );
    }
    let mut store = store::open(&path).unwrap();
    // The wall clock went back (a laptop whose battery died): still later.
    let b = store
        .create_listing(new_listing("Tajine", "10"), 10)
        .unwrap();
    assert_eq!(
        store.device_hlc().unwrap(),
        Hlc {
            ms: 5_000,
            counter: 1
        }
    );
    ack_all(&mut store);

    // Another laptop's edit, seen through a pull: its clock said 9 000 (its
    // wall clock, `updated_at_ms`, was behind).
    let theirs = Pulled {
        id: ListingId::new(),
        version: Some(3),
        deleted: false,
        content: Some(PulledContent {
            input: ListingInput::quick(Titles::from_single("Savon"), Price::parse("20").unwrap()),
            updated_at_ms: 100,
            stock_unknown: false,
            status_unknown: false,
        }),
        moderation: Moderation::Approved,
        photos: None,
        photos_awaited: false,
        hlc: Some(Hlc {
            ms: 9_000,
            counter: 7,
        }),
    };
    store.apply_pulled(&[theirs], "3", 20).unwrap();
    edit(&mut store, b.id, 30, |l| {
        l.price = Price::parse("12").unwrap()
    });
    assert!(
        only(&store).hlc.unwrap()
            > Hlc {
                ms: 9_000,
                counter: 7
            }
    );
}

#[test]
fn a_merged_answer_is_taken_unless_edited_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Tapis", "3200"), 1)
        .unwrap();
    let b = store
        .create_listing(new_listing("Tajine", "250"), 1)
        .unwrap();
    ack_all(&mut store);
    let merged = |title: &str| PulledContent {
        input: ListingInput::quick(Titles::from_single(title), Price::parse("3100").unwrap()),
        updated_at_ms: 5,
        stock_unknown: false,
        status_unknown: false,
    };
    assert!(
        store
            .take_merged(
                a.id,
                merged("Tapis ancien"),
                &[ListingField::Title],
                Some(9),
                6
            )
            .unwrap()
    );
    let taken = store.listing(a.id).unwrap().unwrap();
    assert_eq!(taken.titles.fr.as_deref(), Some("Tapis ancien"));
    assert_eq!(taken.price, Price::parse("3100").unwrap());
    assert_eq!(taken.server_version, Some(9));
    assert_eq!(store.pending_count().unwrap(), 0, "taken in, not queued");

    edit(&mut store, b.id, 7, |l| {
        l.price = Price::parse("260").unwrap()
    });
    assert!(
        !store
            .take_merged(
                b.id,
                merged("Tajine ancien"),
                &[ListingField::Title],
                Some(10),
                8
            )
            .unwrap()
    );
    assert_eq!(
        store.listing(b.id).unwrap().unwrap().titles.fr.as_deref(),
        Some("Tajine")
    );
}

#[test]
fn a_delete_that_lost_to_a_later_edit_brings_the_listing_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let a = store
        .create_listing(new_listing("Tapis", "3200"), 1)
        .unwrap();
    ack_all(&mut store);
    store.delete_listing(a.id, 2).unwrap();
    ack_all(&mut store);
    let edited_elsewhere = PulledContent {
        input: ListingInput::quick(Titles::from_single("Tapis"), Price::parse("2900").unwrap()),
        updated_at_ms: 3,
        stock_unknown: false,
        status_unknown: false,
    };
    assert!(
        store
            .take_merged(a.id, edited_elsewhere, &[], Some(5), 4)
            .unwrap()
    );
    let back = store.listing(a.id).unwrap().unwrap();
    assert!(!back.deleted);
    assert_eq!(back.price, Price::parse("2900").unwrap());
    assert_eq!(store.listings().unwrap().len(), 1);
    assert_eq!(store.pending_count().unwrap(), 0);
}

/// A fold keeps what the server needs to merge each edit as it was made:
/// each field's own clock when they differ, and the rows that set the
/// stock by id, so a copy of these rows sent by another laptop (a restored
/// backup) is counted once. Found by `cargo xtask torture` (seed 154).
#[test]
fn a_fold_keeps_each_fields_clock_and_names_its_stock_edits() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let mut input =
        ListingInput::quick(Titles::from_single("Tajine"), Price::parse("250").unwrap());
    input.stock = 10;
    let id = store
        .create_listing(NewListing::validate(input).unwrap(), 1_000)
        .unwrap()
        .id;
    let create = only(&store).change_id;
    assert!(
        only(&store).stock_parts.is_empty(),
        "a lone create names nothing"
    );
    assert_eq!(only(&store).field_hlcs, None, "one edit, one clock");

    // Not yet sent: the materials at 2 000, a sale at 3 000.
    edit(&mut store, id, 2_000, |l| {
        l.materials = Some("argile".to_owned())
    });
    edit(&mut store, id, 3_000, |l| l.stock -= 2);
    let folded = only(&store);
    assert_eq!(folded.fields, None, "a new listing goes whole");
    assert_eq!(
        folded.stock_delta,
        Some(-2),
        "the sale since it was created"
    );
    let at = |ms| Hlc { ms, counter: 0 };
    let clocks = folded.field_hlcs.clone().unwrap();
    assert_eq!(clocks[&ListingField::Materials], at(2_000));
    assert_eq!(clocks[&ListingField::Stock], at(3_000));
    assert_eq!(clocks[&ListingField::Price], at(1_000));
    assert_eq!(folded.hlc, Some(at(3_000)));
    let parts: Vec<_> = folded
        .stock_parts
        .iter()
        .map(|p| (p.change_id == create, p.delta))
        .collect();
    assert_eq!(parts, [(true, None), (false, Some(-2))]);
    assert_eq!(folded.stock_parts[1].change_id, folded.change_id);

    // Sent; then two sales and a price: the sales named, the price's clock
    // the change's own.
    ack_all(&mut store);
    edit(&mut store, id, 4_000, |l| l.stock -= 1);
    edit(&mut store, id, 5_000, |l| l.stock -= 1);
    edit(&mut store, id, 6_000, |l| {
        l.price = Price::parse("240").unwrap()
    });
    let folded = only(&store);
    assert_eq!(
        folded.fields,
        Some(vec![ListingField::Price, ListingField::Stock])
    );
    assert_eq!(folded.stock_delta, Some(-2));
    assert_eq!(
        folded.field_hlcs,
        Some(
            [
                (ListingField::Price, at(6_000)),
                (ListingField::Stock, at(5_000))
            ]
            .into()
        )
    );
    assert_eq!(
        folded
            .stock_parts
            .iter()
            .map(|p| p.delta)
            .collect::<Vec<_>>(),
        [Some(-1), Some(-1)]
    );
}
