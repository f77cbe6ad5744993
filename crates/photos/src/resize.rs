//! Downscaling with `fast_image_resize` (SIMD convolution, Lanczos3).

use fast_image_resize::{
    FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer,
    images::{Image, ImageRef},
};
use image::RgbImage;

use crate::{Error, Result};

/// The size of a `width`×`height` picture scaled so its long edge is at most
/// `long_edge`: never upscaled, aspect kept, each side at least 1 pixel.
pub fn fit(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_edge {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(long_edge) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(long_edge).max(1)
    };
    if width >= height {
        (long_edge, scale(height))
    } else {
        (scale(width), long_edge)
    }
}

/// `image` scaled down to fit in `long_edge` (see [`fit`]); a copy when it
/// already fits.
pub(crate) fn resize(image: &RgbImage, long_edge: u32) -> Result<RgbImage> {
    let (width, height) = image.dimensions();
    let (to_width, to_height) = fit(width, height, long_edge);
    if (to_width, to_height) == (width, height) {
        return Ok(image.clone());
    }
    let source = ImageRef::new(width, height, image.as_raw(), PixelType::U8x3)
        .map_err(|e| Error::Corrupt(format!("resize source: {e}")))?;
    let mut target = Image::new(to_width, to_height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| Error::Corrupt(format!("resize: {e}")))?;
    RgbImage::from_raw(to_width, to_height, target.into_vec())
        .ok_or_else(|| Error::Corrupt("resize produced a short buffer".into()))
}
