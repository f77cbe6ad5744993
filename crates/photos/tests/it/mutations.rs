//! A deterministic stand-in for the fuzz target (`fuzz/`) that runs with
//! the ordinary tests: damaged copies of real files must give `Ok` or a
//! typed error, never a panic.

use image::{DynamicImage, ImageFormat};
use photos::{Error, Limits, derive_from_bytes};

use crate::fixtures::{encode, exif_payload, gradient, jpeg, with_app1};

/// Every `step`th byte of `bytes` replaced in turn, and `bytes` cut at
/// every `step`th length.
fn damaged(bytes: &[u8], step: usize) -> impl Iterator<Item = Vec<u8>> + '_ {
    let flips = (0..bytes.len()).step_by(step).map(move |i| {
        let mut copy = bytes.to_vec();
        copy[i] ^= 0x5A;
        copy
    });
    let cuts = (1..bytes.len())
        .step_by(step)
        .map(move |n| bytes[..n].to_vec());
    flips.chain(cuts)
}

fn survive(name: &str, bytes: &[u8], step: usize) {
    let limits = Limits {
        max_pixels: 4_000_000,
        ..Limits::default()
    };
    for (i, copy) in damaged(bytes, step).enumerate() {
        // Only the absence of a panic is asserted; what comes back depends
        // on which byte was hit.
        let _ = derive_from_bytes(&copy, &limits).map_err(|e| format!("{name} #{i}: {e}"));
    }
}

#[test]
fn damaged_jpegs_never_panic() {
    let bytes = with_app1(&jpeg(48, 32), &exif_payload(6));
    survive("jpeg", &bytes, 7);
}

#[test]
fn damaged_pngs_webps_tiffs_gifs_never_panic() {
    let picture = DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(gradient(24, 16)).into_rgba8());
    for format in [
        ImageFormat::Png,
        ImageFormat::WebP,
        ImageFormat::Tiff,
        ImageFormat::Gif,
    ] {
        survive(&format!("{format:?}"), &encode(picture.clone(), format), 5);
    }
}

#[test]
fn jpeg_end_check_is_not_fooled() {
    let whole = jpeg(64, 48);
    // An EXIF segment holding `FF D9` (as embedded thumbnails do) does not
    // make a cut-off file look complete.
    let mut payload = exif_payload(1);
    payload.extend_from_slice(b"\xFF\xD8\xFF\xD9");
    let tagged = with_app1(&whole, &payload);
    let cut = &tagged[..tagged.len() - 40];
    assert!(matches!(
        derive_from_bytes(cut, &Limits::default()),
        Err(Error::Corrupt(_))
    ));
    // Data after the end marker (motion photos append a video) is fine.
    let mut trailing = tagged.clone();
    trailing.extend_from_slice(b"\0\0\0\x18ftypmp42 trailing video");
    assert!(derive_from_bytes(&trailing, &Limits::default()).is_ok());
}
