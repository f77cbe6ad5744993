//! Test photos made on the spot (and `tests/fixtures/` for the few that need
//! ImageMagick).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, RgbaImage};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A smooth gradient with some texture, `width`×`height`.
pub fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let r = (x * 255 / width.max(1)) as u8;
        let g = (y * 255 / height.max(1)) as u8;
        let b = ((x ^ y) & 0x3F) as u8 + 96;
        Rgb([r, g, b])
    })
}

/// `image` encoded in `format` by the `image` crate.
pub fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode fixture");
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(
        DynamicImage::ImageRgb8(gradient(width, height)),
        ImageFormat::Jpeg,
    )
}

/// `width`×`height`, left half fully transparent, right half opaque black.
pub fn png_half_transparent(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([0, 0, 0, 255])
        }
    });
    encode(DynamicImage::ImageRgba8(image), ImageFormat::Png)
}

/// A PNG made only of a signature and an IHDR claiming `width`×`height`
/// RGB pixels: a decompression bomb's header.
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    push_chunk(&mut out, b"IHDR", &ihdr);
    // A tiny IDAT (zlib of nothing) and IEND, so only the size is wrong.
    push_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    push_chunk(&mut out, b"IEND", &[]);
    out
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Marrakech, 31°37'48" N 8°0'30" W, as the EXIF GPS tags write it.
pub const LATITUDE: [u32; 3] = [31, 37, 48];

/// An EXIF APP1 payload (big-endian TIFF) with `Orientation = orientation`
/// and a GPS IFD holding a latitude and a longitude, written by hand so the
/// test does not depend on a tool that may strip or reorder it.
pub fn exif_payload(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2A\0\0\0\x08");
    // IFD0 at 8: 2 entries → ends at 8 + 2 + 24 + 4 = 38, where the GPS IFD starts.
    let gps_ifd: u32 = 38;
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation) << 16);
    entry(&mut t, 0x8825, 4, 1, gps_ifd);
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len() as u32, gps_ifd);
    // GPS IFD: 4 entries → ends at 38 + 2 + 48 + 4 = 92, where the rationals start.
    let latitude_at: u32 = 92;
    let longitude_at: u32 = latitude_at + 24;
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, latitude_at);
    entry(&mut t, 0x0003, 2, 2, u32::from_be_bytes(*b"W\0\0\0"));
    entry(&mut t, 0x0004, 5, 3, longitude_at);
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len() as u32, latitude_at);
    for value in LATITUDE.into_iter().chain([8, 0, 30]) {
        t.extend_from_slice(&value.to_be_bytes());
        t.extend_from_slice(&1u32.to_be_bytes());
    }
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&t);
    payload
}

fn entry(t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
    t.extend_from_slice(&tag.to_be_bytes());
    t.extend_from_slice(&kind.to_be_bytes());
    t.extend_from_slice(&count.to_be_bytes());
    t.extend_from_slice(&value.to_be_bytes());
}

/// `jpeg` with an APP1 segment holding `payload` right after SOI.
pub fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], b"\xFF\xD8");
    let mut out = b"\xFF\xD8\xFF\xE1".to_vec();
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The markers of a JPEG's header segments, SOI to SOS.
pub fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        at += 2 + len;
    }
    markers
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

/// Decodes a stored derivative.
pub fn open(path: &Path) -> RgbImage {
    image::open(path).expect("derivative decodes").into_rgb8()
}

/// All files under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
