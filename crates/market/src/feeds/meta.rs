//! The Meta commerce catalog feed (Facebook, Instagram, WhatsApp): CSV
//! with a header row, RFC 4180 quoting, CRLF line ends, UTF-8 without BOM.

use super::{Item, at_most};
use crate::error::{Error, Result};

/// The columns, in order: Meta's required ones, then the other photos.
pub(super) const COLUMNS: [&str; 11] = [
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
    "additional_image_link",
    "product_type",
];

/// Meta's limits, in characters.
const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 9999;
/// Meta reads up to twenty more photos, comma-separated in one field.
const ADDITIONAL_IMAGES_MAX: usize = 20;

pub(super) fn head() -> String {
    format!("{}\r\n", COLUMNS.join(","))
}

pub(super) fn items(items: &[Item]) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(items.len() * 1000));
    for item in items {
        let id = item.id.to_string();
        let additional = item
            .additional_images
            .iter()
            .take(ADDITIONAL_IMAGES_MAX)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",");
        let record: [&str; COLUMNS.len()] = [
            &id,
            at_most(&item.title, TITLE_MAX),
            at_most(&item.description, DESCRIPTION_MAX),
            if item.in_stock {
                "in stock"
            } else {
                "out of stock"
            },
            "new",
            &item.price,
            &item.link,
            &item.image,
            &item.brand,
            &additional,
            item.category_name().unwrap_or(""),
        ];
        writer.write_record(record).map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|err| csv_error(err.into_error().into()))
}

fn csv_error(err: csv::Error) -> Error {
    Error::Io(std::io::Error::other(err))
}
