//! Figures, not a test: how long the 32 demo products' catalogue (each
//! with a display photo, as the pipeline makes them) and a sheet of 24
//! labels take to lay out and write, and how big the PDFs are.
//!
//! `cargo run --release -p print --example bench`

#![allow(clippy::print_stdout)] // a bench prints its figures

use std::time::Instant;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/demo/demo-catalog.csv"
    ))
    .unwrap();
    let plan = store::plan_import(&csv).unwrap();
    store.apply_import(&plan, 1_800_000_000_000).unwrap();
    store
        .set_cooperative(&store::Cooperative {
            name_ar: Some("تعاونية الأطلس".into()),
            name_fr: Some("Coopérative Atlas".into()),
            ..Default::default()
        })
        .unwrap();
    store
        .set_setting(
            store::SettingKey::MarketUrl,
            Some("https://souk.example.org"),
        )
        .unwrap();
    store
        .set_setting(store::SettingKey::CooperativeSlug, Some("atlas"))
        .unwrap();

    // A photo per product, through the real pipeline (display JPEGs of
    // the size the app keeps).
    let listings = store.listings().unwrap();
    for (i, listing) in listings.iter().enumerate() {
        let source = dir.path().join(format!("photo-{i}.jpg"));
        image::RgbImage::from_fn(2400, 1800, |x, y| {
            image::Rgb([(x / 7 + i as u32 * 9) as u8, (y / 5) as u8, (x ^ y) as u8])
        })
        .save(&source)
        .unwrap();
        let imported = photos::import(&source, dir.path(), &photos::Limits::default()).unwrap();
        store
            .record_photo(
                &store::PhotoRecord {
                    display_sha256: imported.display.sha256.clone(),
                    thumb_sha256: imported.thumb.sha256.clone(),
                    width: imported.display.width,
                    height: imported.display.height,
                    source_name: None,
                },
                1_800_000_000_000,
            )
            .unwrap();
        store
            .attach_photos(listing.id, &[imported.display.sha256], 1_800_000_000_000)
            .unwrap();
    }

    // The first run also parses the fonts and builds typst's library.
    let options = print::CatalogueOptions::default();
    for lang in [print::Lang::Ar, print::Lang::Fr, print::Lang::Ar] {
        let start = Instant::now();
        let catalogue = print::catalogue_from_store(&store, dir.path(), &options).unwrap();
        let built = start.elapsed();
        let pdf = print::catalogue(&catalogue, lang).unwrap();
        println!(
            "catalogue {:?}: {} products, {} ms ({} ms reading the store and photos), {:.1} MiB",
            lang,
            catalogue.products.len(),
            start.elapsed().as_millis(),
            built.as_millis(),
            pdf.len() as f64 / 1_048_576.0
        );
    }
    let ids: Vec<store::ListingId> = listings.iter().take(24).map(|l| l.id).collect();
    for layout in print::Layout::ALL {
        let start = Instant::now();
        let items = print::label_items(&store, &ids).unwrap();
        let pdf = print::labels(&items, layout).unwrap();
        println!(
            "labels {}: 24 labels, {} ms, {} KiB",
            layout.key(),
            start.elapsed().as_millis(),
            pdf.len() / 1024
        );
    }
}
