//! Side-by-side benchmark of the photo pipeline (one run, not a test).
//!
//! Generates large photo-like inputs with ImageMagick (12 MP and 24 MP
//! JPEGs, a 12 MP PNG), then on each input runs, in the same process run:
//! `photos::import`; `vipsthumbnail` twice (1600 and 320 px, Q82, strip,
//! interlaced); ImageMagick `convert` once writing both sizes at q82,
//! stripped, interlaced. Each is run `REPEATS` times and the median kept.
//! Quality: SSIM of each 1600 px output against the source resized to the
//! same size by ImageMagick (Lanczos, lossless PNG), computed here on luma
//! over 8×8 windows with stride 4 (this ImageMagick 6 has no SSIM metric).
//!
//! `cargo run --release -p photos --bin photos-bench -- --out target/bench/photos.json`
//! Needs `convert` (imagemagick) and `vipsthumbnail` (libvips-tools).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use serde_json::json;

const REPEATS: usize = 3;

struct Input {
    name: &'static str,
    width: u32,
    height: u32,
    format: &'static str,
}

const INPUTS: [Input; 3] = [
    Input {
        name: "12mp",
        width: 4000,
        height: 3000,
        format: "jpg",
    },
    Input {
        name: "24mp",
        width: 6000,
        height: 4000,
        format: "jpg",
    },
    Input {
        name: "12mp-png",
        width: 4000,
        height: 3000,
        format: "png",
    },
];

/// One tool on one input.
struct Run {
    millis: f64,
    display_bytes: u64,
    thumb_bytes: u64,
    ssim: f64,
}

fn main() -> anyhow::Result<()> {
    let out = parse_out()?;
    let work = tempfile::tempdir().context("creating a work dir")?;
    let work = work.path();
    let mut rows = Vec::new();
    let (mut ours_ms, mut vips_ms, mut im_ms) = (0.0, 0.0, 0.0);
    let (mut ours_bytes, mut im_bytes) = (0u64, 0u64);
    let mut ssims = Vec::new();

    println!(
        "{:<10} {:<12} {:>9} {:>10} {:>9} {:>7}",
        "input", "tool", "ms/photo", "1600 B", "320 B", "SSIM"
    );
    for input in &INPUTS {
        let source = generate(work, input)?;
        let source_bytes = std::fs::metadata(&source)?.len();
        let reference = reference_1600(work, &source, input)?;
        let ours = median(|i| run_ours(work, &source, &reference, i))?;
        let vips = median(|i| run_vips(work, &source, &reference, i))?;
        let im = median(|i| run_imagemagick(work, &source, &reference, i))?;
        for (tool, run) in [
            ("photos", &ours),
            ("vipsthumb", &vips),
            ("imagemagick", &im),
        ] {
            println!(
                "{:<10} {:<12} {:>9.0} {:>10} {:>9} {:>7.4}",
                input.name, tool, run.millis, run.display_bytes, run.thumb_bytes, run.ssim
            );
        }
        ours_ms += ours.millis;
        vips_ms += vips.millis;
        im_ms += im.millis;
        ours_bytes += ours.display_bytes + ours.thumb_bytes;
        im_bytes += im.display_bytes + im.thumb_bytes;
        ssims.push(ours.ssim);
        rows.push(json!({
            "input": input.name,
            "width": input.width,
            "height": input.height,
            "source_bytes": source_bytes,
            "ours": run_json(&ours),
            "vips": run_json(&vips),
            "imagemagick": run_json(&im),
            "ratio_vs_vips": ours.millis / vips.millis,
            "ratio_vs_imagemagick": ours.millis / im.millis,
            "bytes_ratio_vs_imagemagick":
                (ours.display_bytes + ours.thumb_bytes) as f64 / (im.display_bytes + im.thumb_bytes) as f64,
        }));
    }

    let ssim = ssims.iter().copied().fold(f64::INFINITY, f64::min);
    let summary = json!({
        "ratio_vs_vips": ours_ms / vips_ms,
        "ratio_vs_imagemagick": ours_ms / im_ms,
        "bytes_ratio_vs_imagemagick": ours_bytes as f64 / im_bytes as f64,
        "ssim": ssim,
        "ssim_method": "luma (BT.601) SSIM, 8x8 windows, stride 4, vs ImageMagick Lanczos resize of the source to the same size; minimum over inputs",
        "display_quality": photos::DISPLAY_QUALITY,
        "thumb_quality": photos::THUMB_QUALITY,
        "repeats_median_of": REPEATS,
        "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "inputs": rows,
    });
    println!();
    println!(
        "time   ours/vips         {:.2}  (goal ≤ 1.5)",
        ours_ms / vips_ms
    );
    println!(
        "time   ours/imagemagick  {:.2}  (goal ≤ 0.5)",
        ours_ms / im_ms
    );
    println!(
        "bytes  ours/imagemagick  {:.2}  (goal ≤ 0.9)",
        ours_bytes as f64 / im_bytes as f64
    );
    println!("SSIM   ours, worst input {ssim:.4} (goal ≥ 0.97)");

    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

fn parse_out() -> anyhow::Result<PathBuf> {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("target/bench/photos.json");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().context("--out needs a path")?.into(),
            other => bail!("unknown argument {other}; usage: photos-bench [--out FILE]"),
        }
    }
    Ok(out)
}

fn run_json(run: &Run) -> serde_json::Value {
    json!({
        "ms_per_photo": run.millis,
        "display_bytes": run.display_bytes,
        "thumb_bytes": run.thumb_bytes,
        "ssim_1600": run.ssim,
    })
}

/// Runs `f` `REPEATS` times; keeps the run with the median time.
fn median(mut f: impl FnMut(usize) -> anyhow::Result<Run>) -> anyhow::Result<Run> {
    let mut runs = (0..REPEATS)
        .map(&mut f)
        .collect::<anyhow::Result<Vec<_>>>()?;
    runs.sort_by(|a, b| a.millis.total_cmp(&b.millis));
    Ok(runs.swap_remove(REPEATS / 2))
}

/// A photo-like picture: fractal plasma (smooth regions and detail),
/// slightly blurred, with mild sensor-like noise; JPEG at q92 like a phone.
fn generate(work: &Path, input: &Input) -> anyhow::Result<PathBuf> {
    let path = work.join(format!("{}.{}", input.name, input.format));
    eprintln!(
        "generating {} ({}×{})…",
        path.display(),
        input.width,
        input.height
    );
    let size = format!("{}x{}", input.width, input.height);
    let target = format!("{}:{}", input.format, path.display());
    let mut args = vec![
        "-seed",
        "4",
        "-size",
        &size,
        "plasma:fractal",
        "-blur",
        "0x1",
    ];
    if input.format == "png" {
        // No noise for the PNG (an export from an editor), 8-bit: ~27 MB.
        args.extend(["-depth", "8"]);
    } else {
        // Mild sensor-like noise; q92 like a phone: ~7 MB for 12 MP.
        args.extend(["-attenuate", "0.4", "+noise", "Gaussian", "-quality", "92"]);
    }
    args.push(&target);
    magick(&args)?;
    Ok(path)
}

/// The source resized to our display size by ImageMagick, lossless.
fn reference_1600(work: &Path, source: &Path, input: &Input) -> anyhow::Result<PathBuf> {
    let (w, h) = photos::fit(input.width, input.height, photos::DISPLAY_LONG_EDGE);
    let path = work.join(format!("{}-ref.png", input.name));
    magick(&[
        &source.display().to_string(),
        "-filter",
        "Lanczos",
        "-resize",
        &format!("{w}x{h}!"),
        &path.display().to_string(),
    ])?;
    Ok(path)
}

fn run_ours(work: &Path, source: &Path, reference: &Path, i: usize) -> anyhow::Result<Run> {
    let store = work.join(format!("store-{i}"));
    let start = Instant::now();
    let imported = photos::import(source, &store, &photos::Limits::default())?;
    let elapsed = start.elapsed();
    let ssim = ssim_files(&imported.display.path, reference)?;
    std::fs::remove_dir_all(&store)?;
    Ok(Run {
        millis: ms(elapsed),
        display_bytes: imported.display.bytes,
        thumb_bytes: imported.thumb.bytes,
        ssim,
    })
}

fn run_vips(work: &Path, source: &Path, reference: &Path, i: usize) -> anyhow::Result<Run> {
    let display = work.join(format!("vips-{i}-1600.jpg"));
    let thumb = work.join(format!("vips-{i}-320.jpg"));
    let start = Instant::now();
    for (size, out) in [("1600", &display), ("320", &thumb)] {
        let status = Command::new("vipsthumbnail")
            .arg(source)
            .args(["--size", &format!("{size}x{size}>")])
            .arg("-o")
            .arg(format!("{}[Q=82,strip,interlace]", out.display()))
            .status()
            .context("running vipsthumbnail (apt-get install libvips-tools)")?;
        ensure!(status.success(), "vipsthumbnail failed: {status}");
    }
    let elapsed = start.elapsed();
    Ok(Run {
        millis: ms(elapsed),
        display_bytes: std::fs::metadata(&display)?.len(),
        thumb_bytes: std::fs::metadata(&thumb)?.len(),
        ssim: ssim_files(&display, reference)?,
    })
}

fn run_imagemagick(work: &Path, source: &Path, reference: &Path, i: usize) -> anyhow::Result<Run> {
    let display = work.join(format!("im-{i}-1600.jpg"));
    let thumb = work.join(format!("im-{i}-320.jpg"));
    let start = Instant::now();
    // One decode, both sizes, as our pipeline does.
    magick(&[
        &source.display().to_string(),
        "-resize",
        "1600x1600>",
        "-quality",
        "82",
        "-strip",
        "-interlace",
        "Plane",
        "-write",
        &display.display().to_string(),
        "-resize",
        "320x320>",
        &thumb.display().to_string(),
    ])?;
    let elapsed = start.elapsed();
    Ok(Run {
        millis: ms(elapsed),
        display_bytes: std::fs::metadata(&display)?.len(),
        thumb_bytes: std::fs::metadata(&thumb)?.len(),
        ssim: ssim_files(&display, reference)?,
    })
}

fn magick(args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("convert")
        .args(args)
        .status()
        .context("running convert (apt-get install imagemagick)")?;
    ensure!(status.success(), "convert {args:?} failed: {status}");
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ssim_files(a: &Path, b: &Path) -> anyhow::Result<f64> {
    let a = image::open(a)
        .with_context(|| format!("opening {}", a.display()))?
        .into_rgb8();
    let b = image::open(b)
        .with_context(|| format!("opening {}", b.display()))?
        .into_rgb8();
    ensure!(
        a.dimensions() == b.dimensions(),
        "sizes differ: {:?} vs {:?}",
        a.dimensions(),
        b.dimensions()
    );
    Ok(ssim_luma(
        &luma(&a),
        &luma(&b),
        a.width() as usize,
        a.height() as usize,
    ))
}

fn luma(image: &image::RgbImage) -> Vec<f64> {
    image
        .pixels()
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect()
}

/// Mean SSIM over 8×8 windows (stride 4), plain box statistics.
fn ssim_luma(a: &[f64], b: &[f64], width: usize, height: usize) -> f64 {
    const WINDOW: usize = 8;
    const STRIDE: usize = 4;
    let c1 = (0.01f64 * 255.0).powi(2);
    let c2 = (0.03f64 * 255.0).powi(2);
    let n = (WINDOW * WINDOW) as f64;
    let (mut total, mut count) = (0.0, 0usize);
    for y in (0..=height.saturating_sub(WINDOW)).step_by(STRIDE) {
        for x in (0..=width.saturating_sub(WINDOW)).step_by(STRIDE) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for row in y..(y + WINDOW).min(height) {
                for col in x..(x + WINDOW).min(width) {
                    let (pa, pb) = (a[row * width + col], b[row * width + col]);
                    sa += pa;
                    sb += pb;
                    saa += pa * pa;
                    sbb += pb * pb;
                    sab += pa * pb;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            let va = saa / n - ma * ma;
            let vb = sbb / n - mb * mb;
            let cov = sab / n - ma * mb;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1;
        }
    }
    if count == 0 {
        1.0
    } else {
        total / count as f64
    }
}
