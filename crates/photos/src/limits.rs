//! Limits against hostile or broken files.

/// Bounds checked before any large allocation.
///
/// Defaults fit phone photos (4–8 MB, 12–50 MP) with room to spare, and keep
/// the decoded picture of one file under about 1 GB even in 16-bit RGBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes. Checked before reading the file.
    pub max_file_bytes: u64,
    /// Largest decoded picture, in pixels (width × height). Checked from the
    /// header, before decoding.
    pub max_pixels: u64,
    /// Longest side accepted, in pixels. A 1×20000 strip is fine; a
    /// 1×10⁹ one is not.
    pub max_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1024 * 1024,
            max_pixels: 120_000_000,
            max_side: 65_535,
        }
    }
}
