//! EXIF in, no EXIF out: orientation applied, GPS gone.

use photos::{Limits, derive_from_bytes, import};

use crate::fixtures::{LATITUDE, exif_payload, gradient, header_markers, open, with_app1, write};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// 40×20: top half red, bottom half blue, as stored (before orientation).
fn stored_picture() -> Vec<u8> {
    let image = RgbImage::from_fn(40, 20, |_, y| {
        if y < 10 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    crate::fixtures::encode(DynamicImage::ImageRgb8(image), ImageFormat::Jpeg)
}

fn read_exif(jpeg: &[u8]) -> Result<exif::Exif, exif::Error> {
    exif::Reader::new().read_from_container(&mut std::io::Cursor::new(jpeg))
}

#[test]
fn fixture_really_carries_gps_and_orientation() {
    let with_gps = with_app1(&stored_picture(), &exif_payload(6));
    let exif = read_exif(&with_gps).expect("fixture EXIF parses");
    let latitude = exif
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .expect("fixture has GPSLatitude");
    let exif::Value::Rational(parts) = &latitude.value else {
        panic!("{latitude:?}")
    };
    let degrees: Vec<u32> = parts.iter().map(|r| r.num / r.denom).collect();
    assert_eq!(degrees, LATITUDE);
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .unwrap();
    assert_eq!(orientation.value.get_uint(0), Some(6));
}

#[test]
fn gps_exif_is_stripped_from_both_outputs() {
    let with_gps = with_app1(&gradient_jpeg(), &exif_payload(1));
    assert!(read_exif(&with_gps).is_ok());
    let (display, thumb) = derive_from_bytes(&with_gps, &Limits::default()).unwrap();
    for (name, out) in [("display", &display), ("thumb", &thumb)] {
        match read_exif(out) {
            Err(exif::Error::NotFound(_)) => {}
            Err(other) => panic!("{name}: expected no EXIF at all, got {other:?}"),
            Ok(exif) => panic!("{name}: EXIF survived: {} fields", exif.fields().count()),
        }
        let markers = header_markers(out);
        // Only JFIF (APP0), tables, frame and scan: no APP1 (EXIF/XMP),
        // APP2 (ICC), APP13 (IPTC) or COM.
        assert!(
            markers
                .iter()
                .all(|m| matches!(m, 0xE0 | 0xDB | 0xC4 | 0xC2 | 0xDA | 0xDD)),
            "{name}: markers {markers:x?}"
        );
        assert!(
            !out.windows(4).any(|w| w == b"Exif"),
            "{name}: no Exif bytes"
        );
    }
}

fn gradient_jpeg() -> Vec<u8> {
    crate::fixtures::encode(
        DynamicImage::ImageRgb8(gradient(640, 480)),
        ImageFormat::Jpeg,
    )
}

#[test]
fn exif_orientation_6_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "rotated.jpg",
        &with_app1(&stored_picture(), &exif_payload(6)),
    );
    let imported = import(&path, &dir.path().join("store"), &Limits::default()).unwrap();
    // Stored 40×20; orientation 6 means "rotate 90° clockwise to view".
    assert_eq!((imported.source_width, imported.source_height), (20, 40));
    assert_eq!((imported.display.width, imported.display.height), (20, 40));
    let display = open(&imported.display.path);
    assert_eq!(display.dimensions(), (20, 40));
    // The stored top (red) is now on the right, the bottom (blue) on the left.
    let right = display.get_pixel(15, 20);
    let left = display.get_pixel(4, 20);
    assert!(right[0] > 200 && right[2] < 60, "right is red: {right:?}");
    assert!(left[2] > 200 && left[0] < 60, "left is blue: {left:?}");
    // And the output says nothing about orientation any more.
    assert!(read_exif(&std::fs::read(&imported.display.path).unwrap()).is_err());
}
