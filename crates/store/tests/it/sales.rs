//! Selling at the stand: stock deltas that sync, the day's journal, undo,
//! and its CSV.

use protocol::ListingField;
use store::{NewListing, Price, Titles};

use crate::send_all;

fn listing_with_stock(
    store: &mut store::Store,
    title: &str,
    price: &str,
    stock: u32,
) -> store::ListingId {
    let mut new =
        store::ListingInput::quick(Titles::from_single(title), Price::parse(price).unwrap());
    new.stock = stock;
    store
        .create_listing(NewListing::validate(new).unwrap(), 1)
        .unwrap()
        .id
}

#[test]
fn a_day_of_sales_counts_stock_journal_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let oil = listing_with_stock(&mut store, "Huile d'argan 1 l", "180", 5);
    let rug = listing_with_stock(&mut store, "Tapis Azilal", "3200", 1);
    send_all(&mut store);

    store.record_sale(oil, 2, None, None, 1_000).unwrap();
    // Haggled: the buyer paid less than the listed price.
    store
        .record_sale(
            rug,
            1,
            Some(Price::parse("2900").unwrap()),
            Some("client de Lyon"),
            2_000,
        )
        .unwrap();
    store.record_sale(oil, 1, None, None, 3_000).unwrap();
    // More than there is: refused, nothing changes.
    let err = store.record_sale(oil, 9, None, None, 3_500).unwrap_err();
    assert!(matches!(err, store::Error::Validation(_)), "{err}");
    assert_eq!(store.listing(oil).unwrap().unwrap().stock, 2);

    // What syncs is the sales as stock deltas.
    let pending = store.pending_changes(10).unwrap();
    let oil_change = pending.iter().find(|p| p.listing_id == oil).unwrap();
    assert_eq!(
        oil_change.fields.as_deref(),
        Some(&[ListingField::Stock][..])
    );
    assert_eq!(oil_change.stock_delta, Some(-3));

    let day = store.journal(0, 10_000).unwrap();
    assert_eq!(day.count, 3);
    assert_eq!(day.units, 4);
    assert_eq!(day.total_centimes, 3 * 18_000 + 290_000);
    let rug_line = day.by_listing.iter().find(|l| l.listing_id == rug).unwrap();
    assert!(rug_line.sold_out);
    assert!(
        !day.by_listing
            .iter()
            .find(|l| l.listing_id == oil)
            .unwrap()
            .sold_out
    );

    // Undo the last sale: one oil back on the shelf, out of the totals.
    let undone = store.undo_last_sale(4_000).unwrap().unwrap();
    assert_eq!(
        (undone.listing_id, undone.quantity, undone.undone),
        (oil, 1, true)
    );
    assert_eq!(store.listing(oil).unwrap().unwrap().stock, 3);
    let day = store.journal(0, 10_000).unwrap();
    assert_eq!((day.count, day.units), (2, 3));
    assert_eq!(
        day.sales.len(),
        3,
        "the undone sale stays in the journal, marked"
    );
    // Another day holds none of it.
    assert_eq!(store.journal(10_000, 20_000).unwrap().count, 0);

    // Delivered stock is added the same way.
    assert_eq!(store.add_stock(rug, 4, 5_000).unwrap(), 4);

    let mut csv = Vec::new();
    assert_eq!(store.export_sales_csv(0, 10_000, &mut csv).unwrap(), 3);
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("2900.00"), "{text}");
    assert!(text.contains("client de Lyon"));
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn a_note_a_spreadsheet_would_run_is_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let pot = listing_with_stock(&mut store, "Tajine de Safi", "90", 3);
    store
        .record_sale(pot, 1, None, Some("=HYPERLINK(\"http://x\")"), 1_000)
        .unwrap();
    let mut csv = Vec::new();
    store.export_sales_csv(0, 2_000, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
}
