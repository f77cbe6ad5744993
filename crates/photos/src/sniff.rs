//! Format detection from magic bytes. The extension is never trusted.

use crate::{Error, Result};

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `FF D8 FF`.
    Jpeg,
    /// The 8-byte PNG signature.
    Png,
    /// `RIFF….WEBP`.
    WebP,
    /// `II*\0` or `MM\0*`.
    Tiff,
    /// `GIF87a` / `GIF89a`; only the first frame is used.
    Gif,
    /// An ISO-BMFF `ftyp` box with a HEIF brand (iPhone photos).
    ///
    /// Refused with [`Error::Heic`] rather than decoded: the maintained Rust
    /// binding, `libheif-rs` 3, needs libheif ≥ 1.17 while Debian 12 ships
    /// 1.15 (`libheif-dev` 1.15.1), its `embedded-libheif` feature builds
    /// libheif and libde265 from C sources at every clean build, and the
    /// pure-Rust HEVC decoders are experimental or unmaintained. Phones can
    /// all export JPEG, so we say how instead.
    Heic,
}

/// Says what `bytes` is, from its magic number.
///
/// Returns [`Error::Empty`] for no bytes, [`Error::UnsupportedFormat`] for
/// anything that is not one of [`Format`]'s variants.
pub fn sniff(bytes: &[u8]) -> Result<Format> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    let format = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Format::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Format::Gif
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Format::WebP
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Format::Tiff
    } else if is_heif(bytes) {
        Format::Heic
    } else {
        return Err(Error::UnsupportedFormat);
    };
    Ok(format)
}

/// An ISO-BMFF file whose `ftyp` major or compatible brands name HEIF/HEIC.
fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 8] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ];
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    // AVIF files also list `mif1`; they are not HEIC and get the generic
    // refusal.
    if matches!(&bytes[8..12], b"avif" | b"avis") {
        return false;
    }
    let box_len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = box_len.clamp(12, bytes.len().min(256));
    // Major brand at 8..12, minor version at 12..16, compatible brands after.
    std::iter::once(&bytes[8..12])
        .chain(bytes.get(16..end).unwrap_or_default().chunks_exact(4))
        .any(|brand| BRANDS.iter().any(|b| b.as_slice() == brand))
}
