//! The in-memory core: file bytes in, `display` and `thumb` JPEG bytes out.
//! No IO, so the fuzz target and the benchmark call exactly what `import`
//! does.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::decode::decode;
use crate::encode::{DISPLAY_QUALITY, THUMB_QUALITY, encode, panic_message};
use crate::resize::resize;
use crate::{Error, Limits, Result, colour};

/// Long edge of the `display` derivative, in pixels (never upscaled).
pub const DISPLAY_LONG_EDGE: u32 = 1600;
/// Long edge of the `thumb` derivative, in pixels (never upscaled).
pub const THUMB_LONG_EDGE: u32 = 320;

/// One encoded derivative, before it is stored.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub(crate) jpeg: Vec<u8>,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// Both derivatives of one photo and its upright size.
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub(crate) display: Encoded,
    pub(crate) thumb: Encoded,
    pub(crate) source_width: u32,
    pub(crate) source_height: u32,
}

/// Decodes `bytes` and returns the `(display, thumb)` JPEGs.
///
/// The same path as [`crate::import`] without the file and the store: the
/// entry point of the fuzz target. Never panics; a panic inside a decoder
/// becomes [`Error::Corrupt`].
pub fn derive_from_bytes(bytes: &[u8], limits: &Limits) -> Result<(Vec<u8>, Vec<u8>)> {
    let derived = derive(bytes, limits)?;
    Ok((derived.display.jpeg, derived.thumb.jpeg))
}

pub(crate) fn derive(bytes: &[u8], limits: &Limits) -> Result<Derived> {
    let len = bytes.len() as u64;
    if len > limits.max_file_bytes {
        return Err(Error::TooLarge {
            bytes: len,
            limit: limits.max_file_bytes,
        });
    }
    // Last line of defence: the decoders are fuzzed upstream, but a panic
    // on one hostile file must not take the batch (or the app) down.
    match catch_unwind(AssertUnwindSafe(|| derive_unguarded(bytes, limits))) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic_message(&*panic);
            tracing::warn!(%message, "decoder panicked");
            Err(Error::Corrupt(message))
        }
    }
}

fn derive_unguarded(bytes: &[u8], limits: &Limits) -> Result<Derived> {
    let decoded = decode(bytes, limits)?;
    let (source_width, source_height) = decoded.rgb.dimensions();
    let mut display = resize(&decoded.rgb, DISPLAY_LONG_EDGE)?;
    drop(decoded.rgb);
    if let Some(icc) = &decoded.icc {
        colour::to_srgb(&mut display, icc);
    }
    let thumb = resize(&display, THUMB_LONG_EDGE)?;
    Ok(Derived {
        display: Encoded {
            jpeg: encode(&display, DISPLAY_QUALITY)?,
            width: display.width(),
            height: display.height(),
        },
        thumb: Encoded {
            jpeg: encode(&thumb, THUMB_QUALITY)?,
            width: thumb.width(),
            height: thumb.height(),
        },
        source_width,
        source_height,
    })
}
