//! Bytes to an upright 8-bit sRGB picture, with the size checked from the
//! header before anything large is allocated.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage,
    error::LimitErrorKind, metadata::Orientation,
};

use crate::{Error, Format, Limits, Result, sniff};

/// A decoded photo, turned upright, 8-bit RGB, no alpha; in the colour
/// space of `icc` (sRGB when `None`).
pub(crate) struct Decoded {
    pub(crate) rgb: RgbImage,
    /// The embedded ICC profile. Converted to sRGB after downscaling
    /// ([`crate::colour::to_srgb`]), where it costs 2 MP instead of 50.
    pub(crate) icc: Option<Vec<u8>>,
}

/// Decodes `bytes` (JPEG, PNG, WebP, TIFF, GIF's first frame).
///
/// Order matters: sniff the magic bytes, read the dimensions from the
/// header, refuse too many pixels, and only then decode (with `image`'s own
/// allocation limits as a second fence).
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded> {
    let format = match sniff(bytes)? {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::WebP => ImageFormat::WebP,
        Format::Tiff => ImageFormat::Tiff,
        Format::Gif => ImageFormat::Gif,
        Format::Heic => return Err(Error::Heic),
    };

    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // zune-jpeg fills a cut-off scan with grey and says nothing; a
        // half-grey product photo is worse than a clear refusal.
        return Err(Error::Corrupt("the JPEG ends before its last scan".into()));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| from_image(e, 0, 0, limits))?;
    check_size(width, height, limits)?;
    tracing::debug!(?format, width, height, "decoding photo");

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(image_limits(limits));
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| from_image(e, width, height, limits))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| from_image(e, width, height, limits))?;
    image.apply_orientation(orientation);
    let rgb = flatten_on_white(image)?;
    Ok(Decoded { rgb, icc })
}

/// Refuses pictures over the pixel or side limit.
pub(crate) fn check_size(width: u32, height: u32, limits: &Limits) -> Result<()> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 {
        return Err(Error::Corrupt(format!(
            "header says {width}×{height} pixels"
        )));
    }
    if pixels > limits.max_pixels || width > limits.max_side || height > limits.max_side {
        return Err(Error::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    Ok(())
}

/// `image`'s limits, derived from ours: room for the largest accepted
/// picture in 16-bit RGBA, and no more.
fn image_limits(limits: &Limits) -> image::Limits {
    let mut out = image::Limits::default();
    out.max_image_width = Some(limits.max_side);
    out.max_image_height = Some(limits.max_side);
    out.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    out
}

fn from_image(error: ImageError, width: u32, height: u32, limits: &Limits) -> Error {
    match error {
        ImageError::Limits(e) => match e.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => {
                Error::TooManyPixels {
                    width,
                    height,
                    limit: limits.max_pixels,
                }
            }
            _ => Error::UnsupportedFeature(e.to_string()),
        },
        ImageError::Unsupported(e) => Error::UnsupportedFeature(e.to_string()),
        ImageError::Decoding(e) => Error::Corrupt(e.to_string()),
        ImageError::IoError(e) => Error::Corrupt(e.to_string()),
        other => Error::Corrupt(other.to_string()),
    }
}

/// Any colour type to 8-bit RGB; 16-bit samples are rounded down to 8 bits,
/// grey is spread to three channels, alpha is laid over white.
fn flatten_on_white(image: DynamicImage) -> Result<RgbImage> {
    if !image.color().has_alpha() {
        return Ok(image.into_rgb8());
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(px[3]);
        for &c in &px[..3] {
            let v = (u32::from(c) * alpha + 255 * (255 - alpha) + 127) / 255;
            out.push(v as u8);
        }
    }
    RgbImage::from_raw(width, height, out)
        .ok_or_else(|| Error::Corrupt("pixel buffer size mismatch".into()))
}

/// Whether a JPEG has its end-of-image marker after the first scan.
///
/// The header segments are skipped by their lengths (an EXIF thumbnail
/// carries its own `FF D9`); inside entropy-coded data `FF` is always
/// followed by `00` or a restart marker, so `FF D9` there is the real end.
/// Data after it (Google's motion photos append an MP4) does not matter.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        if marker == 0xDA {
            return bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + len;
    }
    false
}
