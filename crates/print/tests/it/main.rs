//! Labels and catalogues of the demo catalog in a real store, read back
//! with poppler and zbar as a person's tools would.

mod catalogue;
mod labels;

use std::path::Path;

use unicode_normalization::UnicodeNormalization;

pub(crate) const MARKET: &str = "https://souk.example.org";
pub(crate) const COOP_PAGE: &str = "https://souk.example.org/c/atlas";

/// A store in `dir` with the 32 demo products, the cooperative's names and
/// the marketplace's address: nothing is sent, so nothing is live.
pub(crate) fn demo_store(dir: &Path) -> store::Store {
    let mut store = store::open(&dir.join("catalog.db")).unwrap();
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/demo/demo-catalog.csv"
    ))
    .unwrap();
    let plan = store::plan_import(&csv).unwrap();
    assert_eq!(plan.valid.len(), 32);
    store.apply_import(&plan, 1_800_000_000_000).unwrap();
    store
        .set_cooperative(&store::Cooperative {
            name_ar: Some("تعاونية الأطلس".into()),
            name_fr: Some("Coopérative Atlas".into()),
            region: Some("Fès-Meknès".into()),
            ..Default::default()
        })
        .unwrap();
    store
        .set_setting(store::SettingKey::MarketUrl, Some(MARKET))
        .unwrap();
    store
        .set_setting(store::SettingKey::CooperativeSlug, Some("atlas"))
        .unwrap();
    store
}

/// NFKC (Arabic presentation forms back to letters) with every run of
/// white space made one space: titles wrap on labels.
pub(crate) fn flat(text: &str) -> String {
    let text: String = text.nfkc().collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of an Arabic title that poppler can give back as written:
/// it extracts the lam-alef ligatures (لا لأ لإ لآ) as "ال…" even from a
/// correct PDF, so words holding one are left out.
pub(crate) fn checkable_words(title: &str) -> Vec<&str> {
    title
        .split_whitespace()
        .filter(|w| !["لا", "لأ", "لإ", "لآ"].iter().any(|l| w.contains(l)))
        .collect()
}

pub(crate) fn write(dir: &Path, name: &str, pdf: &[u8]) -> std::path::PathBuf {
    assert!(pdf.starts_with(b"%PDF-"), "{name} is not a PDF");
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    // To look at them: HANOUT_KEEP_PDF=/some/dir cargo test -p print.
    if let Some(keep) = std::env::var_os("HANOUT_KEEP_PDF") {
        std::fs::copy(&path, Path::new(&keep).join(name)).unwrap();
    }
    path
}
