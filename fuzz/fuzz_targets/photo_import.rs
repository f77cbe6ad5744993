//! Arbitrary bytes through the whole decode-and-derive path: sniff, header
//! checks, decode, orientation, colour conversion, resize, encode. Any
//! panic, abort or out-of-memory is a bug; `Err` is fine.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast and make the pixel-limit paths
    // reachable; the code paths are the same as with the defaults.
    let limits = photos::Limits {
        max_file_bytes: 1 << 20,
        max_pixels: 4_000_000,
        max_side: 8_192,
    };
    if let Ok((display, thumb)) = photos::derive_from_bytes(data, &limits) {
        assert!(display.starts_with(&[0xFF, 0xD8]));
        assert!(thumb.starts_with(&[0xFF, 0xD8]));
    }
});
