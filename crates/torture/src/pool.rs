//! The photographs the workload imports: generated once per run (no
//! photo files in the repository), and the SHA-256s of the derivatives the
//! real pipeline makes of them, learned by importing them once into a
//! scratch catalog.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};

use crate::procs::{Bins, Env, Laptop, Ran};

#[derive(Clone)]
pub struct Photo {
    pub file: PathBuf,
    pub display: String,
}

#[derive(Clone)]
pub struct Pool {
    pub photos: Vec<Photo>,
}

const PHOTOS: usize = 16;

impl Pool {
    pub async fn make(dir: &Path, bins: &Bins) -> Result<Pool> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for i in 0..PHOTOS {
            let file = dir.join(format!("photo-{i:02}.jpg"));
            if !file.exists() {
                std::fs::write(&file, jpeg(i as u64)?)?;
            }
            files.push(file);
        }
        let scratch = dir.join("scratch");
        let _ = std::fs::remove_dir_all(&scratch);
        let env = Env {
            faketime: None,
            tmpfs: false,
        };
        let laptop = Laptop::new("scratch", &scratch, bins, &env)?;
        let mut args = vec!["photos".to_owned(), "import".to_owned()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let doc = match laptop.run(&args).await? {
            Ran::Done(doc) => doc,
            _ => bail!("importing the photo pool failed"),
        };
        let mut photos = Vec::new();
        for (file, entry) in files.iter().zip(doc["files"].as_array().context("files")?) {
            let display = entry["display"]["sha256"]
                .as_str()
                .with_context(|| format!("no derivative for {}: {entry}", file.display()))?;
            photos.push(Photo {
                file: file.clone(),
                display: display.to_owned(),
            });
        }
        let _ = std::fs::remove_dir_all(&scratch);
        Ok(Pool { photos })
    }
}

/// A 1200 × 900 photograph-like JPEG: smooth gradients, a few shapes and
/// grain, different for each `n`.
fn jpeg(n: u64) -> Result<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7040_0000 + n);
    let (w, h) = (1200u32, 900u32);
    let base: [f32; 3] = [
        rng.random_range(40.0..200.0),
        rng.random_range(40.0..200.0),
        rng.random_range(40.0..200.0),
    ];
    let shapes: Vec<(f32, f32, f32, [f32; 3])> = (0..6)
        .map(|_| {
            (
                rng.random_range(0.0..w as f32),
                rng.random_range(0.0..h as f32),
                rng.random_range(40.0..260.0),
                [
                    rng.random_range(-80.0..80.0),
                    rng.random_range(-80.0..80.0),
                    rng.random_range(-80.0..80.0),
                ],
            )
        })
        .collect();
    let mut img = image::RgbImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32, y as f32);
        let mut c = [
            base[0] + fx / w as f32 * 40.0,
            base[1] + fy / h as f32 * 40.0,
            base[2] - fx / w as f32 * 30.0,
        ];
        for (sx, sy, r, d) in &shapes {
            let dist = ((fx - sx).powi(2) + (fy - sy).powi(2)).sqrt();
            if dist < *r {
                for k in 0..3 {
                    c[k] += d[k] * (1.0 - dist / r);
                }
            }
        }
        let grain: f32 = rng.random_range(-6.0..6.0);
        *px = image::Rgb(c.map(|v| (v + grain).clamp(0.0, 255.0) as u8));
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
    Ok(out)
}
