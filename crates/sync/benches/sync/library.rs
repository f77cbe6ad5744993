//! Generated photographs, taken through the real `photos` pipeline once and
//! kept in a cache directory: the display and thumbnail JPEGs a camera
//! photo of a carpet or a pot would give (about 250 KB + 20 KB), not flat
//! colour that compresses to nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

/// Size of the generated "camera" image: the pipeline scales it down to
/// its 1600 px display size as it does a real photo.
const SOURCE_WIDTH: u32 = 2400;
const SOURCE_HEIGHT: u32 = 1800;

/// One photo as the pipeline stored it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Derived {
    pub display: String,
    pub display_bytes: u64,
    pub thumb: String,
    pub thumb_bytes: u64,
    pub width: u32,
    pub height: u32,
}

/// The first `count` photos of the library in `dir`, generating those not
/// there yet (on `threads` threads).
pub fn photos(dir: &Path, count: usize, threads: usize) -> Result<Vec<Derived>> {
    std::fs::create_dir_all(dir)?;
    let index_path = dir.join("index.json");
    let mut index: Vec<Derived> = match std::fs::read(&index_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    // A cached entry whose files went missing is dropped with those after it.
    if let Some(bad) = index.iter().position(|d| {
        !photos::photo_path(dir, &d.display).is_file()
            || !photos::photo_path(dir, &d.thumb).is_file()
    }) {
        index.truncate(bad);
    }
    if index.len() < count {
        let todo: Vec<usize> = (index.len()..count).collect();
        eprintln!(
            "generating {} photographs through the photo pipeline…",
            todo.len()
        );
        let mut made: Vec<(usize, Derived)> = Vec::new();
        let chunks: Vec<Vec<usize>> = todo
            .chunks(todo.len().div_ceil(threads.max(1)))
            .map(<[usize]>::to_vec)
            .collect();
        std::thread::scope(|scope| -> Result<()> {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|seeds| {
                    scope.spawn(move || -> Result<Vec<(usize, Derived)>> {
                        seeds
                            .into_iter()
                            .map(|seed| Ok((seed, derive(dir, seed as u64)?)))
                            .collect()
                    })
                })
                .collect();
            for handle in handles {
                made.extend(handle.join().expect("photo thread")?);
            }
            Ok(())
        })?;
        made.sort_by_key(|(seed, _)| *seed);
        index.extend(made.into_iter().map(|(_, d)| d));
        std::fs::write(&index_path, serde_json::to_vec_pretty(&index)?)?;
    }
    index.truncate(count);
    Ok(index)
}

/// Links (or copies) the photos' files into an app data directory.
pub fn install(library: &Path, photos: &[Derived], app_dir: &Path) -> Result<()> {
    for d in photos {
        for sha in [&d.display, &d.thumb] {
            let from = photos::photo_path(library, sha);
            let to = photos::photo_path(app_dir, sha);
            std::fs::create_dir_all(to.parent().context("photo dir")?)?;
            if !to.exists() && std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to)?;
            }
        }
    }
    Ok(())
}

fn derive(dir: &Path, seed: u64) -> Result<Derived> {
    let source = dir.join(format!("source-{seed}.jpg"));
    let image = photograph(seed);
    image
        .save_with_format(&source, image::ImageFormat::Jpeg)
        .context("encode the source photo")?;
    let imported = photos::import(&source, dir, &photos::Limits::default())
        .map_err(|e| anyhow::anyhow!("photo pipeline: {e}"))?;
    std::fs::remove_file(&source)?;
    Ok(Derived {
        display: imported.display.sha256,
        display_bytes: imported.display.bytes,
        thumb: imported.thumb.sha256,
        thumb_bytes: imported.thumb.bytes,
        width: imported.display.width,
        height: imported.display.height,
    })
}

/// A seeded pseudo-photograph: soft light across the frame, woven texture
/// at a few scales (value noise) and a little sensor grain.
fn photograph(seed: u64) -> image::RgbImage {
    let mut rng = SplitMix(seed.wrapping_mul(0x9e37_79b9).wrapping_add(1));
    let base: [f32; 3] = [
        60.0 + rng.unit() * 140.0,
        40.0 + rng.unit() * 120.0,
        30.0 + rng.unit() * 110.0,
    ];
    // (grid spacing in px, amplitude) per octave.
    let octaves = [(480.0, 55.0), (120.0, 35.0), (24.0, 24.0), (5.0, 11.0)];
    let layers: Vec<[ValueNoise; 3]> = octaves
        .iter()
        .map(|&(spacing, _)| {
            std::array::from_fn(|_| {
                ValueNoise::new(rng.next(), spacing, SOURCE_WIDTH, SOURCE_HEIGHT)
            })
        })
        .collect();
    let mut grain = SplitMix(rng.next());
    image::RgbImage::from_fn(SOURCE_WIDTH, SOURCE_HEIGHT, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let light = 1.0
            - 0.35
                * ((fx / SOURCE_WIDTH as f32 - 0.4).powi(2)
                    + (fy / SOURCE_HEIGHT as f32 - 0.5).powi(2));
        let px: [u8; 3] = std::array::from_fn(|c| {
            let mut v = base[c];
            for (layer, &(_, amplitude)) in layers.iter().zip(&octaves) {
                v += (layer[c].at(fx, fy) - 0.5) * 2.0 * amplitude;
            }
            v = v * light + (grain.unit() - 0.5) * 8.0;
            v.clamp(0.0, 255.0) as u8
        });
        image::Rgb(px)
    })
}

/// Smoothly interpolated random values on a grid.
struct ValueNoise {
    spacing: f32,
    columns: usize,
    values: Vec<f32>,
}

impl ValueNoise {
    fn new(seed: u64, spacing: f32, width: u32, height: u32) -> ValueNoise {
        let columns = (width as f32 / spacing) as usize + 2;
        let rows = (height as f32 / spacing) as usize + 2;
        let mut rng = SplitMix(seed);
        ValueNoise {
            spacing,
            columns,
            values: (0..columns * rows).map(|_| rng.unit()).collect(),
        }
    }

    fn at(&self, x: f32, y: f32) -> f32 {
        let (gx, gy) = (x / self.spacing, y / self.spacing);
        let (ix, iy) = (gx as usize, gy as usize);
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (tx, ty) = (smooth(gx - ix as f32), smooth(gy - iy as f32));
        let v = |cx: usize, cy: usize| self.values[cy * self.columns + cx];
        let top = v(ix, iy) * (1.0 - tx) + v(ix + 1, iy) * tx;
        let bottom = v(ix, iy + 1) * (1.0 - tx) + v(ix + 1, iy + 1) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// A tiny seeded generator (SplitMix64): reproducible photos without a
/// dependency for it.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

pub fn default_dir(target: &Path) -> PathBuf {
    target.join("bench").join("sync-photos")
}
