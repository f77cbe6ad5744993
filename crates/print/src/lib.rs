//! Price labels and the catalogue as PDF. Typst, used as a library, lays
//! them out: it shapes Arabic (joined letters) and applies the Unicode
//! bidi algorithm (right to left, with Latin and digits inside in their
//! order), which no lighter PDF crate does. The templates are the `.typ`
//! files in `templates/`; the data goes in as a JSON file they read, the QR
//! codes (the `qr` crate, the same the marketplace's pages show) as SVG,
//! the photos as the store's JPEGs; the fonts are bundled (`assets/fonts/`).

mod catalogue;
mod error;
mod from_store;
mod labels;
mod world;

pub use catalogue::{Catalogue, Lang, Product, catalogue, catalogue_preview};
pub use error::{Error, Result};
pub use from_store::{CatalogueOptions, catalogue_from_store, label_items};
pub use labels::{LabelItem, Layout, labels, labels_preview};
pub use world::Preview;
