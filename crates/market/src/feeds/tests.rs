use protocol::{CooperativeRef, ListingPhoto, LocalizedText, PublicListing};
use uuid::Uuid;

use super::{Item, Kind, Scope, at_most, google, meta, plain};
use crate::lang::Lang;

fn scope(lang: Lang) -> Scope {
    Scope {
        kind: Kind::Google,
        lang,
        base: "https://souk.example.ma".to_owned(),
        cooperative: None,
    }
}

fn listing(title: LocalizedText, description: LocalizedText) -> PublicListing {
    PublicListing {
        id: Uuid::nil(),
        cooperative: CooperativeRef {
            id: Uuid::nil(),
            slug: "atlas".to_owned(),
            name: "Coopérative \"Atlas\", Azilal".to_owned(),
        },
        title,
        price_centimes: 320_050,
        updated_at_ms: 0,
        description,
        category: Some("carpets".to_owned()),
        artisan: None,
        origin: None,
        region: None,
        materials: None,
        dimensions: None,
        photos: Vec::new(),
        availability: None,
        cooperative_profile: None,
        labels: Vec::new(),
    }
}

fn photo(display: &str) -> ListingPhoto {
    ListingPhoto {
        display: display.to_owned(),
        thumb: format!("{display}-thumb"),
    }
}

#[test]
fn an_item_takes_the_page_language_with_its_fallback() {
    let rug = listing(
        LocalizedText {
            ar: Some("زربية".to_owned()),
            fr: None,
            en: None,
        },
        LocalizedText::default(),
    );
    let item = Item::new(&rug, &[photo("aa"), photo("bb")], &scope(Lang::Fr)).unwrap();
    assert_eq!(item.title, "زربية", "no French title: the Arabic one");
    assert_eq!(item.description, "زربية", "no description: the title");
    assert_eq!(item.price, "3200.50 MAD");
    assert!(item.in_stock, "unknown stock is for sale");
    assert_eq!(item.image, "https://souk.example.ma/photos/aa.jpg");
    assert_eq!(
        item.additional_images,
        ["https://souk.example.ma/photos/bb.jpg"]
    );
    assert_eq!(
        item.link,
        "https://souk.example.ma/l/00000000-0000-0000-0000-000000000000?lang=fr"
    );
    assert_eq!(item.category_name(), Some("Tapis"));
    assert!(
        Item::new(&rug, &[], &scope(Lang::Fr)).is_none(),
        "no photo, no item"
    );
}

#[test]
fn text_is_cut_by_characters_and_made_fit_for_xml() {
    assert_eq!(at_most("زربية", 3), "زرب");
    assert_eq!(at_most("abc", 3), "abc");
    assert_eq!(plain("a\r\nb\u{1}\u{85}c\td\u{FFFF}"), "a\nbc\td");
    assert_eq!(
        google::text("a <b> & c\u{1}\u{FFFF}\td"),
        "a &lt;b&gt; &amp; c\td"
    );
}

#[test]
fn meta_rows_are_quoted_csv() {
    let rug = listing(
        LocalizedText {
            fr: Some("Tapis, \"ancien\"\nlaine".to_owned()),
            ..LocalizedText::default()
        },
        LocalizedText::default(),
    );
    let item = Item::new(&rug, &[photo("aa")], &scope(Lang::Fr)).unwrap();
    let bytes = meta::items(&[item]).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(record.len(), meta::COLUMNS.len());
    assert_eq!(&record[1], "Tapis, \"ancien\"\nlaine");
    assert_eq!(&record[8], "Coopérative \"Atlas\", Azilal");
    assert!(bytes.ends_with(b"\r\n"));
}

#[test]
fn a_cooperatives_google_feed_is_its_channel() {
    let mut atlas = scope(Lang::Ar);
    atlas.cooperative = Some(CooperativeRef {
        id: Uuid::nil(),
        slug: "atlas".to_owned(),
        name: "تعاونية الأطلس & Co".to_owned(),
    });
    let head = google::head(&atlas);
    assert!(head.contains("xmlns:g=\"http://base.google.com/ns/1.0\""));
    assert!(
        head.contains("<title>تعاونية الأطلس &amp; Co</title>"),
        "{head}"
    );
    assert!(
        head.contains("<link>https://souk.example.ma/c/atlas?lang=ar</link>"),
        "{head}"
    );
    assert!(head.contains("<language>ar</language>"), "{head}");
}
