//! The catalogue for buyers and export agents: a cover, then one block
//! per product. The Arabic edition runs right to left, the French one left
//! to right.

use std::str::FromStr;

use serde_json::json;

use crate::world::{Job, Preview};
use crate::{Error, Result};

/// The edition's language: its direction and which title comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ar,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
        }
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Lang, String> {
        match s {
            "ar" => Ok(Lang::Ar),
            "fr" => Ok(Lang::Fr),
            other => Err(other.to_owned()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub cooperative_ar: Option<String>,
    pub cooperative_fr: Option<String>,
    pub region: Option<String>,
    /// The cooperative's public page, on the cover as text and QR code.
    pub url: Option<String>,
    /// Printed on the cover as given (`2026-12-07`).
    pub date: Option<String>,
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub title_ar: Option<String>,
    pub title_fr: Option<String>,
    pub price: store::Price,
    pub dimensions: Option<String>,
    pub materials: Option<String>,
    /// Origin, and region when known: `Boulemane, Fès-Meknès`.
    pub origin: Option<String>,
    /// The display photo, a JPEG as the store keeps it.
    pub photo: Option<Vec<u8>>,
    /// What the QR code opens (see `LabelItem::url`).
    pub url: Option<String>,
}

struct Words {
    catalogue: &'static str,
    price: &'static str,
    dimensions: &'static str,
    materials: &'static str,
    origin: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Ar => Words {
            catalogue: "كتالوج المنتجات",
            price: "الثمن:",
            dimensions: "الأبعاد:",
            materials: "المواد:",
            origin: "المنشأ:",
        },
        Lang::Fr => Words {
            catalogue: "Catalogue des produits",
            price: "Prix :",
            dimensions: "Dimensions :",
            materials: "Matériaux :",
            origin: "Origine :",
        },
    }
}

/// The catalogue's PDF in `lang`'s edition. `Error::Empty` without products.
pub fn catalogue(catalogue: &Catalogue, lang: Lang) -> Result<Vec<u8>> {
    catalogue_job(catalogue, lang)?.pdf()
}

/// The first `pages` pages of [`catalogue`], drawn for a preview.
pub fn catalogue_preview(catalogue: &Catalogue, lang: Lang, pages: usize) -> Result<Preview> {
    catalogue_job(catalogue, lang)?.preview(pages)
}

fn catalogue_job(catalogue: &Catalogue, lang: Lang) -> Result<Job> {
    if catalogue.products.is_empty() {
        return Err(Error::Empty);
    }
    let mut job = Job::new(include_str!("../templates/catalogue.typ"));
    let cover_qr = qr_file(&mut job, "cover", &catalogue.url);
    let mut products = Vec::with_capacity(catalogue.products.len());
    for (i, p) in catalogue.products.iter().enumerate() {
        let photo = p.photo.as_ref().map(|jpeg| {
            let path = format!("/photos/{i}.jpg");
            job.file(&path, jpeg.clone());
            path
        });
        let qr = qr_file(&mut job, &i.to_string(), &p.url);
        products.push(json!({
            "titles": in_order(lang, &p.title_ar, &p.title_fr),
            "price": p.price.to_string(),
            "dimensions": p.dimensions,
            "materials": p.materials,
            "origin": p.origin,
            "photo": photo,
            "qr": qr,
        }));
    }
    let w = words(lang);
    let cooperative = in_order(lang, &catalogue.cooperative_ar, &catalogue.cooperative_fr);
    let footer = cooperative
        .first()
        .map(|(_, name)| name.to_owned())
        .unwrap_or_default();
    let data = json!({
        "lang": lang.code(),
        "title": format!("{} — {footer}", w.catalogue),
        "footer": footer,
        "words": {
            "catalogue": w.catalogue, "price": w.price, "dimensions": w.dimensions,
            "materials": w.materials, "origin": w.origin,
        },
        "cooperative": cooperative,
        "region": catalogue.region,
        "cover_url": catalogue.url,
        "cover_qr": cover_qr,
        "date": catalogue.date,
        "products": products,
    });
    job.file("/data.json", data.to_string().into_bytes());
    Ok(job)
}

/// The QR code of `url` as `/qr/{name}.svg` in `job`; its path.
fn qr_file(job: &mut Job, name: &str, url: &Option<String>) -> Option<String> {
    let url = url.as_deref()?;
    let svg = qr::qr_svg(url, url)?;
    let path = format!("/qr/{name}.svg");
    job.file(&path, svg.into_bytes());
    Some(path)
}

/// The texts that exist, the edition's language first: `[["ar", …], ["fr", …]]`.
fn in_order<'a>(
    lang: Lang,
    ar: &'a Option<String>,
    fr: &'a Option<String>,
) -> Vec<(&'static str, &'a str)> {
    let ar = ar.as_deref().map(|t| ("ar", t));
    let fr = fr.as_deref().map(|t| ("fr", t));
    match lang {
        Lang::Ar => [ar, fr],
        Lang::Fr => [fr, ar],
    }
    .into_iter()
    .flatten()
    .collect()
}
