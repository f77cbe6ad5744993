use std::io::Write;

use crate::error::{Error, Result};
use crate::{Listing, Store};

/// Columns of Hanout's CSV, in order. Import accepts these (and a few aliases).
pub(crate) const COLUMNS: &[&str] = &[
    "id",
    "category",
    "title_ar",
    "title_fr",
    "title_en",
    "description_ar",
    "description_fr",
    "description_en",
    "price_mad",
    "unit",
    "stock",
    "dimensions",
    "weight_g",
    "materials",
    "origin",
    "region",
    "tags",
    "status",
    "artisan",
    "photos",
];

impl Store {
    /// Writes every listing as CSV: UTF-8 with a BOM (so Excel and LibreOffice
    /// show Arabic), `,`-separated, one row per listing, photos by file name.
    /// Rows end in CRLF on every OS (RFC 4180, what Excel writes): the same
    /// file whichever laptop made it; a line break inside a cell stays LF.
    pub fn export_csv(&self, out: impl Write) -> Result<usize> {
        let artisans: std::collections::HashMap<_, _> = self
            .artisans()?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let mut out = out;
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        let csv_err = |e: csv::Error| Error::Csv(e.to_string());
        writer.write_record(COLUMNS).map_err(csv_err)?;
        let listings = self.listings()?;
        for l in &listings {
            writer
                .write_record(record(
                    l,
                    l.artisan.and_then(|a| artisans.get(&a)).map(String::as_str),
                ))
                .map_err(csv_err)?;
        }
        writer.flush()?;
        Ok(listings.len())
    }
}

fn record(l: &Listing, artisan: Option<&str>) -> Vec<String> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let centimes = l.price.centimes();
    vec![
        l.id.to_string(),
        l.category.as_str().to_owned(),
        opt(&l.titles.ar),
        opt(&l.titles.fr),
        opt(&l.titles.en),
        opt(&l.descriptions.ar),
        opt(&l.descriptions.fr),
        opt(&l.descriptions.en),
        format!("{}.{:02}", centimes / 100, centimes % 100),
        l.unit.as_str().to_owned(),
        l.stock.to_string(),
        opt(&l.dimensions),
        l.weight_grams.map(|w| w.to_string()).unwrap_or_default(),
        opt(&l.materials),
        opt(&l.origin),
        opt(&l.region),
        l.tags.join(", "),
        l.status.as_str().to_owned(),
        artisan.unwrap_or_default().to_owned(),
        l.photos
            .iter()
            .map(|h| format!("{h}.jpg"))
            .collect::<Vec<_>>()
            .join("|"),
    ]
}
