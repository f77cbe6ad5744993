use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::Result;
use serde_json::{Value, json};

use super::{DataDir, now_ms};
use crate::messages::{self, pick};
use crate::output::{Outcome, Output};

/// Runs the photo pipeline on `files` in parallel, with a progress bar on a
/// terminal; prints one outcome per file; attaches the good ones to `listing`.
pub fn import(
    data: &DataDir,
    files: &[PathBuf],
    listing: Option<&str>,
    workers: usize,
    out: &Output,
) -> Result<Outcome> {
    // Take the writer lock first: refuse before minutes of work, not after.
    let (_lock, mut store) = data.write()?;
    let listing = listing.map(str::parse::<store::ListingId>).transpose()?;
    if let Some(id) = listing {
        store
            .listing(id)?
            .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
    }

    let bar = (!out.json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let cancel = AtomicBool::new(false);
    let results = photos::import_many(
        files.to_vec(),
        &data.dir,
        &photos::Limits::default(),
        workers,
        |p| {
            if let Some(bar) = &bar {
                bar.set_position(p.done as u64);
                bar.set_message(p.current.display().to_string());
            }
        },
        &cancel,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let now = now_ms();
    let mut attached = Vec::new();
    let mut lines = Vec::new();
    let mut docs: Vec<Value> = Vec::new();
    for (file, result) in &results {
        match result {
            Ok(imported) => {
                store.record_photo(
                    &store::PhotoRecord {
                        display_sha256: imported.display.sha256.clone(),
                        thumb_sha256: imported.thumb.sha256.clone(),
                        width: imported.display.width,
                        height: imported.display.height,
                        source_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
                    },
                    now,
                )?;
                attached.push(imported.display.sha256.clone());
                lines.push(format!(
                    "✓ {}  display {} ({} B, {}×{})  thumb {} ({} B)",
                    file.display(),
                    imported.display.sha256,
                    imported.display.bytes,
                    imported.display.width,
                    imported.display.height,
                    imported.thumb.sha256,
                    imported.thumb.bytes
                ));
                let d = |d: &photos::Derivative| json!({ "sha256": d.sha256, "bytes": d.bytes, "width": d.width, "height": d.height });
                docs.push(json!({ "file": file, "ok": true, "display": d(&imported.display), "thumb": d(&imported.thumb) }));
            }
            Err(error) => {
                let (kind, message) = messages::photo_error(out.lang, error);
                lines.push(format!("✗ {}  {message}", file.display()));
                docs.push(json!({ "file": file, "ok": false, "error": { "kind": kind, "message": message } }));
            }
        }
    }
    if let (Some(id), false) = (listing, attached.is_empty()) {
        store.attach_photos(id, &attached, now)?;
    }
    let failed = results.len() - attached.len();
    out.print(
        || {
            lines.push(format!(
                "{}: {}  {}: {failed}",
                pick(out.lang, "مستوردة", "importées", "imported"),
                attached.len(),
                pick(out.lang, "فاشلة", "en échec", "failed")
            ));
            lines.join("\n")
        },
        json!({ "files": docs, "imported": attached.len(), "failed": failed, "listing": listing.map(|l| l.to_string()) }),
    );
    Ok(if failed == 0 {
        Outcome::Ok
    } else {
        Outcome::SomeFailed
    })
}
