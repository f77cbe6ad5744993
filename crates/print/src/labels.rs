//! Price labels: sheets of stickers for A4 label paper, or one label per
//! page for a thermal printer.

use std::str::FromStr;

use serde_json::json;

use crate::world::{Job, Preview};
use crate::{Error, Result};

/// What one label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelItem {
    pub title_ar: Option<String>,
    pub title_fr: Option<String>,
    pub price: store::Price,
    /// The cooperative's names (Arabic, French), as many as it has.
    pub cooperative: Vec<String>,
    pub origin: Option<String>,
    /// What the QR code opens: the listing's public page, or the
    /// cooperative's before the listing is live (`None`: no QR code).
    pub url: Option<String>,
}

/// The label stock: sheet and label geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A4 sheet of 3 × 8 labels of 70 × 37 mm, edge to edge.
    #[default]
    A4_3x8,
    /// A4 sheet of 2 × 7 labels of 99.1 × 38.1 mm (L7163-type).
    A4_2x7,
    /// One 58 × 40 mm label per page, for a thermal label printer.
    Thermal58x40,
}

/// Millimetres (font size in points).
struct Geometry {
    page_w: f64,
    page_h: f64,
    top: f64,
    left: f64,
    cols: u32,
    rows: u32,
    w: f64,
    h: f64,
    col_gap: f64,
    row_gap: f64,
    pad: f64,
    qr: f64,
    font: f64,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::A4_3x8, Layout::A4_2x7, Layout::Thermal58x40];

    /// `a4-3x8`, `a4-2x7`, `thermal-58x40`: the CLI's and the window's names.
    pub fn key(self) -> &'static str {
        match self {
            Layout::A4_3x8 => "a4-3x8",
            Layout::A4_2x7 => "a4-2x7",
            Layout::Thermal58x40 => "thermal-58x40",
        }
    }

    /// Labels on one page.
    pub fn per_page(self) -> usize {
        let g = self.geometry();
        (g.cols * g.rows) as usize
    }

    fn geometry(self) -> Geometry {
        match self {
            Layout::A4_3x8 => Geometry {
                page_w: 210.0,
                page_h: 297.0,
                top: 0.5,
                left: 0.0,
                cols: 3,
                rows: 8,
                w: 70.0,
                h: 37.0,
                col_gap: 0.0,
                row_gap: 0.0,
                // Edge-to-edge sheets: keep clear of the printer's margin.
                pad: 3.0,
                qr: 24.0,
                font: 7.0,
            },
            Layout::A4_2x7 => Geometry {
                page_w: 210.0,
                page_h: 297.0,
                top: 15.1,
                left: 4.65,
                cols: 2,
                rows: 7,
                w: 99.1,
                h: 38.1,
                col_gap: 2.5,
                row_gap: 0.0,
                pad: 2.5,
                qr: 30.0,
                font: 8.5,
            },
            Layout::Thermal58x40 => Geometry {
                page_w: 58.0,
                page_h: 40.0,
                top: 0.0,
                left: 0.0,
                cols: 1,
                rows: 1,
                w: 58.0,
                h: 40.0,
                col_gap: 0.0,
                row_gap: 0.0,
                pad: 2.0,
                qr: 22.0,
                font: 6.5,
            },
        }
    }
}

impl FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Layout, String> {
        Layout::ALL
            .into_iter()
            .find(|l| l.key() == s)
            .ok_or_else(|| s.to_owned())
    }
}

/// The labels of `items`, in order, as a PDF: as many pages as the layout
/// needs. `Error::Empty` when there is nothing to print.
pub fn labels(items: &[LabelItem], layout: Layout) -> Result<Vec<u8>> {
    labels_job(items, layout)?.pdf()
}

/// The first `pages` pages of [`labels`], drawn for a preview.
pub fn labels_preview(items: &[LabelItem], layout: Layout, pages: usize) -> Result<Preview> {
    labels_job(items, layout)?.preview(pages)
}

fn labels_job(items: &[LabelItem], layout: Layout) -> Result<Job> {
    if items.is_empty() {
        return Err(Error::Empty);
    }
    let g = layout.geometry();
    let mut job = Job::new(include_str!("../templates/labels.typ"));
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let qr = item.url.as_deref().and_then(|url| {
            let svg = qr::qr_svg(url, url)?;
            let path = format!("/qr/{i}.svg");
            job.file(&path, svg.into_bytes());
            Some(path)
        });
        rows.push(json!({
            "title_ar": item.title_ar,
            "title_fr": item.title_fr,
            "price": item.price.to_string(),
            "cooperative": item.cooperative,
            "origin": item.origin,
            "qr": qr,
        }));
    }
    let data = json!({
        "title": "Hanout",
        "layout": {
            "page_w": g.page_w, "page_h": g.page_h, "top": g.top, "left": g.left,
            "cols": g.cols, "rows": g.rows, "w": g.w, "h": g.h,
            "col_gap": g.col_gap, "row_gap": g.row_gap, "pad": g.pad, "qr": g.qr,
            "font": g.font,
        },
        "items": rows,
    });
    job.file("/data.json", data.to_string().into_bytes());
    Ok(job)
}
