//! The catalogue's two editions: Arabic right to left, French left to right.

use print::{CatalogueOptions, Lang};
use test_support::pdf;

use crate::{COOP_PAGE, checkable_words, demo_store, flat, write};

const RUG_AR: &str = "زربية 120×80 سم";
const RUG_FR: &str = "Tapis 120×80 cm";

/// The demo catalog plus a rug whose Arabic title holds digits and a sign.
fn catalogue(dir: &std::path::Path) -> print::Catalogue {
    let mut store = demo_store(dir);
    let csv = format!(
        "category,title_ar,title_fr,price_mad,dimensions,materials,origin\n\
         carpets,{RUG_AR},{RUG_FR},1450.50,120×80 cm,laine,Azilal\n"
    );
    let plan = store::plan_import(csv.as_bytes()).unwrap();
    assert_eq!(plan.valid.len(), 1, "{:?}", plan.errors);
    store.apply_import(&plan, 1_800_000_000_001).unwrap();
    let options = CatalogueOptions {
        only_live: false,
        date: Some("2026-12-07".into()),
    };
    let catalogue = print::catalogue_from_store(&store, dir, &options).unwrap();
    assert_eq!(catalogue.products.len(), 33);
    catalogue
}

/// Where the product text column starts and ends on the page, in points:
/// A4 with 16 mm margins holds photo (55 mm), text and QR (26 mm) with 6 mm
/// between them, so the text column runs from 77 mm to 162 mm in the French
/// edition, and from 48 mm to 133 mm once the Arabic edition mirrors it.
const MM: f64 = 72.0 / 25.4;

#[test]
fn the_arabic_edition_runs_right_to_left_with_latin_and_digits_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = catalogue(dir.path());
    let path = write(
        dir.path(),
        "ar.pdf",
        &print::catalogue(&catalogue, Lang::Ar).unwrap(),
    );

    // Laid out as read: every Arabic title's words in logical order.
    let text = flat(&pdf::text(&path, &["-layout"]));
    assert!(text.contains(RUG_FR), "{text}");
    assert!(text.contains("1450.50"), "{text}");
    for product in &catalogue.products {
        let ar = product.title_ar.as_deref().unwrap();
        let words = checkable_words(ar);
        assert!(
            text.contains(&words.join(" ")) || words.iter().all(|w| text.contains(w)),
            "{ar} not in {text}"
        );
    }
    assert!(text.contains("تعاونية الأطلس"), "{text}");

    // The rug's title as placed on the page. Right to left: it ends at the
    // text column's right edge, and read from the right its words are the
    // title as typed, the numbers inside in their own order. (The Unicode
    // bidi algorithm puts 80 left of 120: `×` is a neutral between two
    // numbers, so 120, ×, 80 are read right to left like the words around
    // them, and each number left to right. `pdftotext -layout` prints this
    // line as "سم 80×120 زربية", its words reversed: poppler's way with
    // mixed lines, hence the word boxes here.)
    let words = pdf::words(&path);
    let start = words
        .iter()
        .find(|w| {
            flat(&w.text) == "ةيبرز"
                && words
                    .iter()
                    .any(|o| o.page == w.page && o.text == "120" && (o.y_min - w.y_min).abs() < 2.0)
        })
        .expect("the rug's Arabic title");
    let mut line: Vec<&pdf::Word> = words
        .iter()
        .filter(|w| w.page == start.page && (w.y_min - start.y_min).abs() < 2.0)
        .collect();
    line.sort_by(|a, b| b.x_max.total_cmp(&a.x_max));
    assert!((line[0].x_max - 133.0 * MM).abs() < 2.0, "{line:?}");
    // Poppler gives an Arabic word's letters as drawn, left to right.
    let read: Vec<String> = line
        .iter()
        .map(|w| {
            let text = flat(&w.text);
            if text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
                text.chars().rev().collect()
            } else {
                text
            }
        })
        .collect();
    assert_eq!(read.concat(), RUG_AR.replace(' ', ""), "{read:?}");
    assert_eq!(read, ["زربية", "120", "×", "80", "سم"]);

    // The QR codes (nothing is live) lead to the cooperative's page.
    assert!(pdf::qr_codes(&path, 1).contains(&COOP_PAGE.to_owned()));
    assert_eq!(pdf::qr_codes(&path, 2).first().unwrap(), COOP_PAGE);
}

#[test]
fn the_french_edition_runs_left_to_right() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = catalogue(dir.path());
    let path = write(
        dir.path(),
        "fr.pdf",
        &print::catalogue(&catalogue, Lang::Fr).unwrap(),
    );
    let text = flat(&pdf::text(&path, &[]));
    for product in &catalogue.products {
        let fr = product.title_fr.as_deref().unwrap();
        assert!(text.contains(fr), "{fr} not in {text}");
    }
    assert!(text.contains("Coopérative Atlas"), "{text}");
    assert!(text.contains("Catalogue des produits"), "{text}");

    let words = pdf::words(&path);
    let rug = words
        .iter()
        .find(|w| {
            w.text == "Tapis"
                && words.iter().any(|o| {
                    o.page == w.page && o.text == "120×80" && (o.y_min - w.y_min).abs() < 2.0
                })
        })
        .unwrap();
    assert!((rug.x_min - 77.0 * MM).abs() < 2.0, "{rug:?}");
}

/// A binary PGM (`P5`) as an image.
fn from_pgm(bytes: &[u8]) -> image::GrayImage {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).unwrap().to_owned());
    }
    assert_eq!(fields[0], "P5", "not a binary PGM");
    let (w, h): (u32, u32) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    image::GrayImage::from_raw(w, h, bytes[at + 1..].to_vec()).expect("w × h bytes")
}

/// The Arabic edition's first product page, rendered at 50 dpi, against
/// the render a person checked (`tests/expected/catalogue-ar-page2.png`:
/// letters joined, titles, prices and QR codes right to left, the rug's
/// "120×80" in its place). Fonts are bundled, so only the rasteriser's
/// anti-aliasing may move a little: a few grey levels on average, and a
/// handful of pixels more than half-way off. A changed template is looked
/// at, then blessed: `HANOUT_BLESS=1 cargo test -p print` writes the new
/// render over the expected one.
#[test]
fn the_arabic_page_looks_as_it_did_when_a_person_checked_it() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = catalogue(dir.path());
    let path = write(
        dir.path(),
        "ar-look.pdf",
        &print::catalogue(&catalogue, Lang::Ar).unwrap(),
    );
    let actual = from_pgm(&pdf::render_gray(&path, 2, 50));
    let expected_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected/catalogue-ar-page2.png");
    if std::env::var_os("HANOUT_BLESS").is_some() {
        actual.save(&expected_path).unwrap();
    }
    let expected = image::open(&expected_path).unwrap().into_luma8();
    assert_eq!(actual.dimensions(), expected.dimensions());
    let (mut total, mut far) = (0u64, 0u64);
    for (a, e) in actual.pixels().zip(expected.pixels()) {
        let d = a.0[0].abs_diff(e.0[0]);
        total += u64::from(d);
        far += u64::from(d > 128);
    }
    let pixels = u64::from(actual.width() * actual.height());
    let mean = total as f64 / pixels as f64;
    if mean > 2.0 || far * 1000 > pixels {
        let kept = dir.keep().join("actual.png");
        actual.save(&kept).unwrap();
        panic!(
            "the Arabic page changed: mean difference {mean:.2} grey levels, \
             {far} of {pixels} pixels far off; this render is {}",
            kept.display()
        );
    }
}
