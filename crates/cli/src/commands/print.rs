//! `hanout labels` and `hanout catalogue`: PDFs through the `print` crate,
//! built from the catalog exactly as the window builds them.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;

use super::DataDir;
use crate::args::Lang;
use crate::messages::pick;
use crate::output::{Outcome, Output};

/// `print`'s errors with the store's own unwrapped, so they are translated
/// like every other command's.
fn unwrap_store(e: print::Error) -> anyhow::Error {
    match e {
        print::Error::Store(e) => e.into(),
        other => other.into(),
    }
}

fn write(out_file: &Path, pdf: &[u8]) -> Result<()> {
    std::fs::write(out_file, pdf).with_context(|| format!("write {}", out_file.display()))
}

pub fn labels(
    data: &DataDir,
    ids: &[String],
    layout: print::Layout,
    out_file: &Path,
    out: &Output,
) -> Result<Outcome> {
    let store = data.read()?;
    let ids = ids
        .iter()
        .map(|id| id.parse())
        .collect::<store::Result<Vec<store::ListingId>>>()?;
    let items = print::label_items(&store, &ids).map_err(unwrap_store)?;
    let pdf = print::labels(&items, layout).map_err(unwrap_store)?;
    write(out_file, &pdf)?;
    let pages = items.len().div_ceil(layout.per_page());
    out.print(
        || {
            format!(
                "{} {} — {} {} → {}",
                items.len(),
                pick(out.lang, "ملصقات", "étiquettes", "labels"),
                pages,
                pick(out.lang, "صفحات", "pages", "pages"),
                out_file.display()
            )
        },
        json!({
            "out": out_file.display().to_string(),
            "layout": layout.key(),
            "labels": items.len(),
            "pages": pages,
            "bytes": pdf.len(),
        }),
    );
    Ok(Outcome::Ok)
}

pub fn catalogue(
    data: &DataDir,
    only_live: bool,
    out_file: &Path,
    out: &Output,
) -> Result<Outcome> {
    // The edition follows --lang; there is no English edition, so English
    // readers get the French one (left to right, Latin titles first).
    let edition = match out.lang {
        Lang::Ar => print::Lang::Ar,
        Lang::Fr | Lang::En => print::Lang::Fr,
    };
    let store = data.read()?;
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let today = time::OffsetDateTime::now_utc().to_offset(offset).date();
    let options = print::CatalogueOptions {
        only_live,
        date: today
            .format(time::macros::format_description!("[year]-[month]-[day]"))
            .ok(),
    };
    let catalogue =
        print::catalogue_from_store(&store, &data.dir, &options).map_err(unwrap_store)?;
    let pdf = print::catalogue(&catalogue, edition).map_err(unwrap_store)?;
    write(out_file, &pdf)?;
    out.print(
        || {
            format!(
                "{} {} → {}",
                catalogue.products.len(),
                pick(out.lang, "منتجات", "produits", "products"),
                out_file.display()
            )
        },
        json!({
            "out": out_file.display().to_string(),
            "edition": edition.code(),
            "products": catalogue.products.len(),
            "bytes": pdf.len(),
        }),
    );
    Ok(Outcome::Ok)
}
