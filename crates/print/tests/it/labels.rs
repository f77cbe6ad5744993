//! Price labels: every layout, read back.

use print::Layout;
use test_support::pdf;

use crate::{COOP_PAGE, checkable_words, demo_store, flat, write};

#[test]
fn every_layout_carries_both_titles_the_price_and_the_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let listings = store.listings().unwrap();
    let picked: Vec<&store::Listing> = listings.iter().take(3).collect();
    let ids: Vec<store::ListingId> = picked.iter().map(|l| l.id).collect();
    let items = print::label_items(&store, &ids).unwrap();
    // Nothing was sent: every label points at the cooperative's page.
    assert!(items.iter().all(|i| i.url.as_deref() == Some(COOP_PAGE)));

    for layout in Layout::ALL {
        let path = write(
            dir.path(),
            &format!("{}.pdf", layout.key()),
            &print::labels(&items, layout).unwrap(),
        );
        let text = flat(&pdf::text(&path, &[]));
        for listing in &picked {
            let fr = listing.titles.fr.as_deref().unwrap();
            assert!(text.contains(fr), "{}: {fr} not in {text}", layout.key());
            let ar = listing.titles.ar.as_deref().unwrap();
            for word in checkable_words(ar) {
                assert!(
                    text.contains(word),
                    "{}: {word} not in {text}",
                    layout.key()
                );
            }
            let price = listing.price.to_string();
            assert!(
                text.contains(&price),
                "{}: {price} not in {text}",
                layout.key()
            );
        }
        assert!(text.contains("Coopérative Atlas"), "{text}");
        assert!(text.contains("تعاونية الأطلس"), "{text}");
        if layout == Layout::Thermal58x40 {
            // One label per page.
            assert_eq!(pdf::pages(&path), 3);
            for page in 1..=3 {
                assert_eq!(pdf::qr_codes(&path, page), [COOP_PAGE]);
            }
        } else {
            assert_eq!(pdf::pages(&path), 1);
            assert_eq!(pdf::qr_codes(&path, 1), [COOP_PAGE; 3]);
        }
    }
}

#[test]
fn a_full_sheet_holds_24_labels_and_the_25th_starts_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let ids: Vec<store::ListingId> = store.listings().unwrap().iter().map(|l| l.id).collect();
    let items = print::label_items(&store, &ids[..25]).unwrap();
    let path = write(
        dir.path(),
        "sheet.pdf",
        &print::labels(&items, Layout::A4_3x8).unwrap(),
    );
    assert_eq!(pdf::pages(&path), 2);
    let cells = pdf::qr_codes_by_cell(&path, 1, 3, 8);
    assert!(cells.iter().all(|codes| codes == &[COOP_PAGE]), "{cells:?}");
    assert_eq!(pdf::qr_codes(&path, 2), [COOP_PAGE]);
}

#[test]
fn nothing_to_print_and_unknown_ids_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    assert!(matches!(
        print::labels(&[], Layout::A4_3x8),
        Err(print::Error::Empty)
    ));
    let unknown = store::ListingId::new();
    assert!(matches!(
        print::label_items(&store, &[unknown]),
        Err(print::Error::Store(store::Error::NotFound(_)))
    ));
}

#[test]
fn the_preview_draws_the_first_pages_of_the_same_layout_as_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let ids: Vec<store::ListingId> = store.listings().unwrap().iter().map(|l| l.id).collect();
    let items = print::label_items(&store, &ids[..30]).unwrap();
    for (layout, pages, width_pt) in [
        // 30 labels: 2 sheets of 24, 3 of 14, 30 thermal labels.
        (Layout::A4_3x8, 2, 595.28),
        (Layout::A4_2x7, 3, 595.28),
        (Layout::Thermal58x40, 30, 164.41),
    ] {
        let path = write(
            dir.path(),
            &format!("preview-{}.pdf", layout.key()),
            &print::labels(&items, layout).unwrap(),
        );
        assert_eq!(pdf::pages(&path), pages, "{}", layout.key());
        let preview = print::labels_preview(&items, layout, 2).unwrap();
        assert_eq!(preview.total_pages, pages as usize, "{}", layout.key());
        assert_eq!(preview.pages.len(), 2, "{}", layout.key());
        for svg in &preview.pages {
            assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
            let width: f64 = svg
                .split("width=\"")
                .nth(1)
                .and_then(|rest| rest.split(['"', 'p']).next())
                .and_then(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("no width in {}", &svg[..200.min(svg.len())]));
            assert!(
                (width - width_pt).abs() < 0.5,
                "{}: {width} pt wide",
                layout.key()
            );
            // The QR codes (images) and the glyphs (paths) are drawn.
            assert!(svg.contains("<image"), "{}: no QR code", layout.key());
            assert!(svg.matches("<path").count() >= 20, "{}", layout.key());
        }
    }
    assert!(matches!(
        print::labels_preview(&[], Layout::A4_3x8, 2),
        Err(print::Error::Empty)
    ));
}

#[test]
fn a_long_title_shrinks_the_label_and_keeps_the_price_on_the_sticker() {
    let dir = tempfile::tempdir().unwrap();
    let long_fr = "Grand tapis berbère Beni Ouarain en laine vierge tissé à la main par les femmes de la coopérative, motifs losanges traditionnels, franges nouées";
    let long_ar = "زربية أمازيغية كبيرة بني ورين من الصوف الخالص منسوجة يدويًا من طرف نساء التعاونية بزخارف المعين التقليدية وأهداب معقودة";
    let item = |title_fr: &str, title_ar: &str| print::LabelItem {
        title_ar: Some(title_ar.to_owned()),
        title_fr: Some(title_fr.to_owned()),
        price: store::Price::parse("4500").unwrap(),
        cooperative: vec!["تعاونية الأطلس".into(), "Coopérative Atlas".into()],
        origin: Some("Azilal, Béni Mellal-Khénifra".into()),
        url: Some(COOP_PAGE.into()),
    };
    // A long one in the first cell of the sheet, a short one in the second.
    let items = [item(long_fr, long_ar), item("Tapis", "زربية")];
    let path = write(
        dir.path(),
        "long.pdf",
        &print::labels(&items, Layout::A4_3x8).unwrap(),
    );
    const MM: f64 = 72.0 / 25.4;
    let words = pdf::words(&path);
    let prices: Vec<&pdf::Word> = words.iter().filter(|w| w.text == "4500.00").collect();
    assert_eq!(prices.len(), 2, "{prices:?}");
    // Both prices inside their sticker (the first row runs 0.5 → 37.5 mm;
    // the price's line is about 4 mm tall at the smallest size), and the
    // long label's text smaller: its price starts higher up relative to
    // the text it follows than it would below a title of many lines.
    for price in &prices {
        assert!(price.y_min < 37.5 * MM - 4.0 * MM, "{price:?}");
    }
    let last_title_word = words
        .iter()
        .rfind(|w| w.page == 1 && w.x_min < 70.0 * MM && w.text == "nouées")
        .expect("the long French title's last word is printed");
    assert!(
        last_title_word.y_min < prices[0].y_min,
        "{last_title_word:?}"
    );
    let text = flat(&pdf::text(&path, &[]));
    assert!(text.contains("Coopérative Atlas"), "{text}");
}
