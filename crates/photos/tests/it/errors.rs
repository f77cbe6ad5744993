//! Hostile and broken files: a typed error each, never a panic.

use photos::{Error, Limits, import};

use crate::fixtures::{jpeg, png_header_only, write};

fn check(name: &str, bytes: &[u8], limits: &Limits, expect: impl Fn(&Error) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, bytes);
    let store = dir.path().join("store");
    match import(&path, &store, limits) {
        Ok(imported) => panic!("{name}: expected an error, got {imported:?}"),
        Err(error) => {
            assert!(expect(&error), "{name}: unexpected error {error:?}");
            // Every message says what to do, and has no trailing dot.
            let message = error.to_string();
            assert!(!message.ends_with('.'), "{message}");
        }
    }
    assert!(
        crate::fixtures::files_under(&store).is_empty(),
        "{name}: nothing stored"
    );
}

#[test]
fn zero_byte_file_is_empty() {
    check("empty.jpg", b"", &Limits::default(), |e| {
        matches!(e, Error::Empty)
    });
}

#[test]
fn missing_file_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = import(&dir.path().join("nope.jpg"), dir.path(), &Limits::default()).unwrap_err();
    assert!(matches!(error, Error::Read { .. }), "{error:?}");
}

#[test]
fn renamed_exe_is_unsupported() {
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF".to_vec();
    exe.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    check("photo.jpg", &exe, &Limits::default(), |e| {
        matches!(e, Error::UnsupportedFormat)
    });
}

#[test]
fn random_bytes_are_unsupported() {
    let noise: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(0x9E37_79B9) >> 13) as u8)
        .collect();
    check("noise.png", &noise, &Limits::default(), |e| {
        matches!(e, Error::UnsupportedFormat)
    });
}

#[test]
fn heic_is_refused_with_its_own_error() {
    let mut heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    heic.extend_from_slice(&[0; 64]);
    check("IMG_0001.HEIC", &heic, &Limits::default(), |e| {
        matches!(e, Error::Heic)
    });
    assert!(Error::Heic.to_string().contains("JPEG"));
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let whole = jpeg(400, 300);
    check(
        "cut.jpg",
        &whole[..whole.len() / 2],
        &Limits::default(),
        |e| matches!(e, Error::Corrupt(_)),
    );
    // Cut inside the header: still a typed error.
    check("cut-header.jpg", &whole[..40], &Limits::default(), |e| {
        matches!(e, Error::Corrupt(_))
    });
}

#[test]
fn file_over_the_size_limit_is_refused_before_decoding() {
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let bytes = jpeg(200, 200);
    assert!(bytes.len() > 1000);
    check(
        "big.jpg",
        &bytes,
        &limits,
        |e| matches!(e, Error::TooLarge { bytes: b, limit: 1000 } if *b == bytes.len() as u64),
    );
}

#[test]
fn pixel_bomb_is_refused_from_its_header() {
    // 100000×100000 RGB would be 30 GB decoded; the file is 70 bytes.
    check(
        "bomb.png",
        &png_header_only(100_000, 100_000),
        &Limits::default(),
        |e| {
            matches!(
                e,
                Error::TooManyPixels {
                    width: 100_000,
                    height: 100_000,
                    ..
                }
            )
        },
    );
    // Within the side limit, over the pixel limit.
    check(
        "bomb2.png",
        &png_header_only(20_000, 20_000),
        &Limits::default(),
        |e| {
            matches!(
                e,
                Error::TooManyPixels {
                    width: 20_000,
                    height: 20_000,
                    ..
                }
            )
        },
    );
    // Lower limit, ordinary photo.
    let limits = Limits {
        max_pixels: 10_000,
        ..Limits::default()
    };
    check("small-limit.jpg", &jpeg(200, 100), &limits, |e| {
        matches!(
            e,
            Error::TooManyPixels {
                width: 200,
                height: 100,
                limit: 10_000
            }
        )
    });
}

#[test]
fn zero_sized_png_header_is_corrupt() {
    check(
        "zero.png",
        &png_header_only(0, 10),
        &Limits::default(),
        |e| matches!(e, Error::Corrupt(_)),
    );
}
