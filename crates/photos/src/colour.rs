//! Embedded ICC profiles (Display P3 from phones, Adobe RGB from cameras)
//! to sRGB, with `moxcms` (pure Rust, already a dependency of `image`).

use image::RgbImage;
use moxcms::{ColorProfile, Layout, TransformOptions};

/// Converts `rgb` from the colour space described by `icc` to sRGB, in
/// place.
///
/// A profile that cannot be parsed or does not describe RGB (a CMYK
/// profile left on a JPEG the decoder already turned into RGB, a grey
/// profile) is ignored: the pixels are then taken as sRGB, which is what
/// every browser does with such files.
pub(crate) fn to_srgb(rgb: &mut RgbImage, icc: &[u8]) {
    let source = match ColorProfile::new_from_slice(icc) {
        Ok(profile) => profile,
        Err(error) => {
            tracing::debug!(%error, "ignoring unreadable ICC profile");
            return;
        }
    };
    let srgb = ColorProfile::new_srgb();
    let transform = match source.create_transform_8bit(
        Layout::Rgb,
        &srgb,
        Layout::Rgb,
        TransformOptions::default(),
    ) {
        Ok(transform) => transform,
        Err(error) => {
            tracing::debug!(%error, "ignoring ICC profile that does not describe RGB");
            return;
        }
    };
    let mut out = vec![0u8; rgb.as_raw().len()];
    match transform.transform(rgb.as_raw(), &mut out) {
        Ok(()) => rgb.copy_from_slice(&out),
        Err(error) => tracing::debug!(%error, "ICC transform failed; keeping pixels as they are"),
    }
}
