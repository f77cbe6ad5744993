//! Embedded ICC profiles are converted to sRGB.

use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage, codecs::png::PngEncoder};
use photos::{Limits, import};

use crate::fixtures::{open, write};

/// 64×32: left half mid grey, right half a green given in Display P3.
fn p3_png(with_profile: bool) -> Vec<u8> {
    let image = RgbImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgb([128, 128, 128])
        } else {
            Rgb([60, 160, 60])
        }
    });
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if with_profile {
        let icc = moxcms::ColorProfile::new_display_p3().encode().unwrap();
        encoder.set_icc_profile(icc).unwrap();
    }
    encoder
        .write_image(image.as_raw(), 64, 32, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn import_png(bytes: &[u8]) -> RgbImage {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "p3.png", bytes);
    let imported = import(&path, &dir.path().join("store"), &Limits::default()).unwrap();
    open(&imported.display.path)
}

#[test]
fn display_p3_is_converted_to_srgb() {
    let plain = import_png(&p3_png(false));
    let p3 = import_png(&p3_png(true));
    // Grey stays grey: same white point, same transfer curve.
    for image in [&plain, &p3] {
        let grey = image.get_pixel(8, 16);
        assert!(grey.0.iter().all(|&c| c.abs_diff(128) <= 4), "{grey:?}");
    }
    // Without a profile the numbers are taken as sRGB.
    let green = plain.get_pixel(56, 16);
    assert!(
        green[0].abs_diff(60) <= 8 && green[2].abs_diff(60) <= 8,
        "{green:?}"
    );
    // P3 (60, 160, 60) is more saturated than sRGB can say: about (0, 162, 40).
    let green = p3.get_pixel(56, 16);
    assert!(green[0] <= 25, "red drops: {green:?}");
    assert!(green[1].abs_diff(162) <= 8, "green stays: {green:?}");
    assert!(green[2] <= 52, "blue drops: {green:?}");
}
