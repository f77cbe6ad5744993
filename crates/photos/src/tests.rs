use crate::{Error, Format, fit, sniff};

#[test]
fn fit_never_upscales_and_keeps_one_pixel() {
    let check = |w, h, edge, expect| assert_eq!(fit(w, h, edge), expect, "{w}×{h} in {edge}");
    check(4000, 3000, 1600, (1600, 1200));
    check(3000, 4000, 1600, (1200, 1600));
    check(800, 600, 1600, (800, 600));
    check(1, 20000, 1600, (1, 1600));
    check(20000, 1, 320, (320, 1));
    check(1600, 1600, 1600, (1600, 1600));
}

#[test]
fn sniff_reads_magic_not_names() {
    let check = |bytes: &[u8], expect: Option<Format>| {
        assert_eq!(
            sniff(bytes).ok(),
            expect,
            "{:?}",
            &bytes[..bytes.len().min(12)]
        );
    };
    check(b"\xFF\xD8\xFF\xE0rest", Some(Format::Jpeg));
    check(b"\x89PNG\r\n\x1a\n....", Some(Format::Png));
    check(b"GIF89a...", Some(Format::Gif));
    check(b"RIFF\0\0\0\0WEBPVP8 ", Some(Format::WebP));
    check(b"II*\0\x08\0\0\0", Some(Format::Tiff));
    check(b"MM\0*\0\0\0\x08", Some(Format::Tiff));
    check(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", Some(Format::Heic));
    check(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic", Some(Format::Heic));
    check(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", None);
    check(b"MZ\x90\0\x03\0\0\0", None);
    assert!(matches!(sniff(b""), Err(Error::Empty)));
    assert!(matches!(sniff(b"MZ\x90\0"), Err(Error::UnsupportedFormat)));
}
