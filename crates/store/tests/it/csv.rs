use store::{Category, Reason, RowError, Unit};

use crate::{DEMO_CSV, demo_store};

#[test]
fn demo_catalog_imports_completely() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let listings = store.listings().unwrap();
    assert_eq!(listings.len(), 32);
    let rug = listings
        .iter()
        .find(|l| l.titles.fr.as_deref() == Some("Tapis Beni Ouarain en laine naturelle"))
        .unwrap();
    assert_eq!(
        rug.titles.ar.as_deref(),
        Some("زربية بني ورين من الصوف الطبيعي")
    );
    assert_eq!(rug.price.centimes(), 450_000);
    assert_eq!(rug.category, Category::Carpets);
    assert_eq!(rug.unit, Unit::Piece);
    assert_eq!(rug.stock, 3);
    assert_eq!(rug.region.as_deref(), Some("Fès-Meknès"));
    assert_eq!(rug.origin.as_deref(), Some("Boulemane"));
    assert_eq!(rug.materials.as_deref(), Some("laine de mouton non teinte"));
    // Every imported listing is queued for the marketplace.
    assert_eq!(store.pending_count().unwrap(), 32);
}

#[test]
fn export_then_import_gives_the_same_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let artisan = store
        .add_artisan("Aïcha Oulhaj", Some("Tazenakht"), Some("tissage"), 5)
        .unwrap();
    let first = store.listings().unwrap()[0].clone();
    let mut input = store::ListingInput::quick(first.titles.clone(), first.price);
    input.artisan = Some(artisan.id);
    input.tags = vec!["fait main".into(), "laine".into()];
    input.photos = vec!["ab".repeat(32), "cd".repeat(32)];
    input.descriptions.ar = Some("وصف، مع فاصلة؛ و\"علامات\" اقتباس".into());
    input.weight_grams = Some(12_500);
    input.dimensions = Some("200 × 300 cm".into());
    store
        .update_listing(first.id, store::NewListing::validate(input).unwrap(), 6)
        .unwrap();

    let mut csv = Vec::new();
    assert_eq!(store.export_csv(&mut csv).unwrap(), 32);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    // CRLF after every row on every OS (header + 32 rows), and no bare LF:
    // no cell here holds a line break.
    assert_eq!(csv.windows(2).filter(|w| w == b"\r\n").count(), 33);
    assert!(
        !csv.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
        "a row ends in a bare LF"
    );

    let dir2 = tempfile::tempdir().unwrap();
    let mut other = store::open(&dir2.path().join("catalog.db")).unwrap();
    let plan = store::plan_import(&csv).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    other.apply_import(&plan, 7).unwrap();

    let key = |store: &store::Store| {
        let names: std::collections::HashMap<_, _> = store
            .artisans()
            .unwrap()
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let mut all: Vec<_> = store
            .listings()
            .unwrap()
            .into_iter()
            .map(|l| {
                let artisan = l.artisan.map(|a| names[&a].clone());
                (
                    (l.id, l.titles, l.descriptions, l.category, l.price, l.stock),
                    (
                        l.unit,
                        l.dimensions,
                        l.weight_grams,
                        l.materials,
                        l.origin,
                        l.region,
                    ),
                    (l.tags, l.status, artisan, l.photos),
                )
            })
            .collect();
        all.sort_by_key(|row| row.0.0);
        all
    };
    assert_eq!(key(&other), key(&store));
}

#[test]
fn excel_style_semicolons_and_windows_1256() {
    let text = "title_ar;price_mad;category;unit\nزربية;1 200,50;carpets;piece\nعسل;;food;kg\nأملو;95;nourriture;kg\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(text);
    let plan = store::plan_import(&bytes).unwrap();
    assert_eq!(plan.encoding, "windows-1256");
    assert_eq!(plan.separator, ';');
    assert_eq!(plan.valid.len(), 1);
    assert_eq!(
        plan.valid[0].listing.input().titles.ar.as_deref(),
        Some("زربية")
    );
    assert_eq!(plan.valid[0].listing.input().price.centimes(), 120_050);
    assert_eq!(
        plan.errors,
        vec![
            RowError {
                row: 3,
                column: "price_mad".into(),
                reason: Reason::Required
            },
            RowError {
                row: 4,
                column: "category".into(),
                reason: Reason::Unknown
            },
        ]
    );
}

#[test]
fn nothing_is_written_until_applied() {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&dir.path().join("catalog.db")).unwrap();
    let plan = store::plan_import(DEMO_CSV).unwrap();
    assert_eq!(plan.valid.len(), 32);
    assert!(store.listings().unwrap().is_empty());
}

#[test]
fn a_file_without_the_needed_columns_is_refused() {
    assert!(matches!(
        store::plan_import(b"name,cost\nx,1\n"),
        Err(store::Error::Csv(_))
    ));
}
