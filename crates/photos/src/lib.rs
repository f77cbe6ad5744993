//! The photo pipeline: camera photos in, small honest JPEGs out.
//!
//! [`import`] reads one file (size-checked), sniffs its format from the
//! magic bytes, refuses decompression bombs from the header, decodes JPEG,
//! PNG, WebP, TIFF or GIF, turns it upright (EXIF orientation), converts it
//! to 8-bit sRGB with alpha laid over white, and derives two progressive
//! JPEGs with no metadata at all — `display` (long edge ≤ 1600 px) and
//! `thumb` (≤ 320 px) — stored by SHA-256 under `<store_dir>/photos/`.
//! [`import_many`] does that for a batch on a bounded thread pool, with
//! progress and cancellation. [`derive_from_bytes`] is the in-memory core
//! (fuzzed, benchmarked).
//!
//! Everything here is blocking CPU and file work: callers run it off the
//! async runtime.

mod colour;
mod decode;
mod derive;
mod encode;
mod error;
mod import;
mod import_many;
mod limits;
mod resize;
mod sniff;
mod store;

pub use derive::{DISPLAY_LONG_EDGE, THUMB_LONG_EDGE, derive_from_bytes};
pub use encode::{DISPLAY_QUALITY, THUMB_QUALITY};
pub use error::{Error, Result};
pub use import::{Derivative, Imported, import};
pub use import_many::{Progress, import_many};
pub use limits::Limits;
pub use resize::fit;
pub use sniff::{Format, sniff};
pub use store::{files_bytes, photo_path, put as store_bytes};

#[cfg(test)]
mod tests;
