//! Arbitrary bytes through the whole path of a photo import, as
//! `photos::import` takes it once the file is read: sniff, header checks
//! against the limits, decode, orientation, colour conversion, resize,
//! encode. Any panic, abort, hang or out-of-memory is a bug; `Err` is fine.

#![no_main]

use libfuzzer_sys::fuzz_target;
use photos::{Format, Limits, derive_from_bytes, sniff};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast and make the pixel-limit paths
    // reachable; the code paths are the same as with the defaults.
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_pixels: 4_000_000,
        max_side: 8_192,
    };
    // `fuzz_target!` installs a panic hook that aborts, so a decoder panic
    // is reported even though `derive_from_bytes` would catch it.
    if let Ok((display, thumb)) = derive_from_bytes(data, &limits) {
        assert!(!matches!(sniff(data), Err(_) | Ok(Format::Heic)));
        assert!(display.starts_with(&[0xFF, 0xD8]));
        assert!(thumb.starts_with(&[0xFF, 0xD8]));
    }
});
