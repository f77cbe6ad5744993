//! What comes out for each kind of input.

use image::{DynamicImage, GrayImage, ImageBuffer, ImageFormat, Luma, Rgb};
use photos::{Limits, import};

use crate::fixtures::{encode, fixture, gradient, jpeg, open, png_half_transparent, write};

/// Imports `bytes` from a temp dir; the dir lives as long as the returned
/// guard, so the derivatives can be opened.
fn import_bytes(name: &str, bytes: &[u8]) -> (tempfile::TempDir, photos::Imported) {
    let guard = tempfile::tempdir().unwrap();
    let dir = guard.path().to_owned();
    let path = write(&dir, name, bytes);
    let imported = import(&path, &dir.join("store"), &Limits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (guard, imported)
}

fn assert_close(pixel: Rgb<u8>, expect: [u8; 3], what: &str) {
    let close = pixel
        .0
        .iter()
        .zip(expect)
        .all(|(&a, b)| a.abs_diff(b) <= 24);
    assert!(close, "{what}: {pixel:?}, expected about {expect:?}");
}

#[test]
fn large_jpeg_is_downscaled_to_both_sizes() {
    let (_dir, imported) = import_bytes("big.jpg", &jpeg(2400, 1800));
    assert_eq!(
        (imported.source_width, imported.source_height),
        (2400, 1800)
    );
    assert_eq!(
        (imported.display.width, imported.display.height),
        (1600, 1200)
    );
    assert_eq!((imported.thumb.width, imported.thumb.height), (320, 240));
    let display = open(&imported.display.path);
    assert_eq!(display.dimensions(), (1600, 1200));
    assert_eq!(
        std::fs::metadata(&imported.display.path).unwrap().len(),
        imported.display.bytes
    );
    assert!(imported.thumb.bytes < imported.display.bytes);
}

#[test]
fn small_photo_is_never_upscaled() {
    let (_dir, imported) = import_bytes("small.jpg", &jpeg(300, 200));
    assert_eq!(
        (imported.display.width, imported.display.height),
        (300, 200)
    );
    assert_eq!((imported.thumb.width, imported.thumb.height), (300, 200));
}

#[test]
fn outputs_are_progressive_jpegs() {
    let (_dir, imported) = import_bytes("p.jpg", &jpeg(800, 600));
    for path in [&imported.display.path, &imported.thumb.path] {
        let bytes = std::fs::read(path).unwrap();
        let markers = crate::fixtures::header_markers(&bytes);
        assert!(
            markers.contains(&0xC2),
            "SOF2 (progressive) in {markers:x?}"
        );
        assert!(
            !markers.contains(&0xC0),
            "no SOF0 (baseline) in {markers:x?}"
        );
    }
}

#[test]
fn one_by_twenty_thousand_strip_works() {
    let strip = GrayImage::from_fn(1, 20_000, |_, y| Luma([(y % 256) as u8]));
    let (_dir, imported) = import_bytes(
        "strip.png",
        &encode(DynamicImage::ImageLuma8(strip), ImageFormat::Png),
    );
    assert_eq!((imported.display.width, imported.display.height), (1, 1600));
    assert_eq!((imported.thumb.width, imported.thumb.height), (1, 320));
    assert_eq!(open(&imported.display.path).dimensions(), (1, 1600));

    let strip = GrayImage::from_pixel(20_000, 1, Luma([128]));
    let (_dir, imported) = import_bytes(
        "wide.png",
        &encode(DynamicImage::ImageLuma8(strip), ImageFormat::Png),
    );
    assert_eq!((imported.display.width, imported.display.height), (1600, 1));
}

#[test]
fn sixteen_bit_png_becomes_eight_bit() {
    let image: ImageBuffer<Rgb<u16>, Vec<u16>> = ImageBuffer::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgb([65535, 0, 0])
        } else {
            Rgb([0, 0, 32768])
        }
    });
    let bytes = encode(DynamicImage::ImageRgb16(image), ImageFormat::Png);
    assert_eq!(bytes[24], 16, "fixture is 16-bit");
    let (_dir, imported) = import_bytes("deep.png", &bytes);
    let display = open(&imported.display.path);
    assert_close(*display.get_pixel(8, 16), [255, 0, 0], "left");
    assert_close(*display.get_pixel(56, 16), [0, 0, 128], "right");
}

#[test]
fn alpha_is_laid_over_white() {
    let (_dir, imported) = import_bytes("alpha.png", &png_half_transparent(64, 32));
    let display = open(&imported.display.path);
    assert_close(
        *display.get_pixel(8, 16),
        [255, 255, 255],
        "transparent half",
    );
    assert_close(*display.get_pixel(56, 16), [0, 0, 0], "opaque black half");
}

#[test]
fn cmyk_jpeg_becomes_rgb() {
    let bytes = std::fs::read(fixture("cmyk.jpg")).unwrap();
    let (_dir, imported) = import_bytes("cmyk.jpg", &bytes);
    assert_eq!((imported.display.width, imported.display.height), (64, 32));
    let display = open(&imported.display.path);
    assert_close(*display.get_pixel(8, 16), [255, 0, 0], "red half");
    assert_close(*display.get_pixel(56, 16), [0, 0, 255], "blue half");
}

#[test]
fn every_supported_format_decodes() {
    let picture = DynamicImage::ImageRgb8(gradient(96, 64));
    for (name, format) in [
        ("a.png", ImageFormat::Png),
        ("a.webp", ImageFormat::WebP),
        ("a.tif", ImageFormat::Tiff),
        ("a.gif", ImageFormat::Gif),
        ("a.jpg", ImageFormat::Jpeg),
    ] {
        // The name lies on purpose: the format comes from the bytes.
        let bytes = encode(picture.clone(), format);
        let (_dir, imported) = import_bytes(&format!("{name}.bin"), &bytes);
        assert_eq!(
            (imported.display.width, imported.display.height),
            (96, 64),
            "{name}"
        );
    }
}

#[test]
fn grayscale_jpeg_becomes_rgb() {
    let gray = GrayImage::from_fn(40, 30, |x, _| Luma([(x * 6) as u8]));
    let (_dir, imported) = import_bytes(
        "gray.jpg",
        &encode(DynamicImage::ImageLuma8(gray), ImageFormat::Jpeg),
    );
    let display = image::open(&imported.display.path).unwrap();
    assert_eq!(display.color(), image::ColorType::Rgb8);
}
