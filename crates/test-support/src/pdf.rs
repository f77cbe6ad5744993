//! PDFs read back with the tools a person would use: poppler's
//! `pdftotext` and `pdftoppm`, and zbar's `zbarimg` for QR codes
//! (`cargo xtask setup` installs them).

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install poppler-utils and zbar-tools)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The text of `pdf` as `pdftotext -enc UTF-8` extracts it, with `args`
/// (`-layout`, `-f 2 -l 2`…).
pub fn text(pdf: &Path, args: &[&str]) -> String {
    let out = run(Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .args(args)
        .arg(pdf)
        .arg("-"));
    String::from_utf8(out).expect("pdftotext writes UTF-8")
}

/// Every QR code on page `page` (from 1) of `pdf`, decoded from a 300 dpi
/// rendering, sorted.
pub fn qr_codes(pdf: &Path, page: u32) -> Vec<String> {
    decode(pdf, page, None)
}

/// The QR codes of each cell of page `page` cut into `cols` × `rows`
/// equal cells (row by row), each rendered and decoded on its own: zbar
/// scanning a whole sheet of 24 codes misses one or two that it reads
/// alone.
pub fn qr_codes_by_cell(pdf: &Path, page: u32, cols: u32, rows: u32) -> Vec<Vec<String>> {
    // A4 at 300 dpi.
    let (w, h) = (2480, 3508);
    let (cw, ch) = (w / cols, h / rows);
    (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (c * cw, r * ch)))
        .map(|(x, y)| decode(pdf, page, Some((x, y, cw, ch))))
        .collect()
}

fn decode(pdf: &Path, page: u32, crop: Option<(u32, u32, u32, u32)>) -> Vec<String> {
    let dir = pdf.with_extension("pages");
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join(format!("p{page}"));
    let page_arg = page.to_string();
    let mut cmd = Command::new("pdftoppm");
    cmd.args(["-r", "300", "-png", "-singlefile"])
        .args(["-f", &page_arg, "-l", &page_arg]);
    if let Some((x, y, w, h)) = crop {
        for (flag, v) in [("-x", x), ("-y", y), ("-W", w), ("-H", h)] {
            cmd.arg(flag).arg(v.to_string());
        }
    }
    run(cmd.arg(pdf).arg(&prefix));
    let png = prefix.with_extension("png");
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(&png)
        .output()
        .expect("zbarimg (install zbar-tools)");
    // zbarimg exits 4 when it finds no code: an empty list, not a failure.
    let mut codes: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    codes.sort();
    codes
}

/// The number of pages of `pdf` (`pdfinfo`).
pub fn pages(pdf: &Path) -> u32 {
    let info = String::from_utf8(run(Command::new("pdfinfo").arg(pdf))).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

/// A word as `pdftotext -bbox` places it, in points from the page's top left.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub page: u32,
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub text: String,
}

/// Every word of `pdf` with its box (`pdftotext -bbox`), page by page.
pub fn words(pdf: &Path) -> Vec<Word> {
    let html = text(pdf, &["-bbox"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    let mut page = 0;
    let mut found = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let (tag, rest) = rest.split_once('>').unwrap();
            let word = rest.trim_end_matches("</word>");
            found.push(Word {
                page,
                x_min: attr(tag, "xMin"),
                x_max: attr(tag, "xMax"),
                y_min: attr(tag, "yMin"),
                text: word
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            });
        }
    }
    found
}

/// Page `page` (from 1) of `pdf` rendered by `pdftoppm` at `dpi` in
/// shades of grey, as a binary PGM file's bytes (`P5`, then width,
/// height, 255, then one byte per pixel).
pub fn render_gray(pdf: &Path, page: u32, dpi: u32) -> Vec<u8> {
    let page_arg = page.to_string();
    run(Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-singlefile"])
        .args(["-f", &page_arg, "-l", &page_arg])
        .arg(pdf))
}
