//! The photos on their way, in a small file next to the catalog
//! (`sync-progress.json`), so another process — `hanout status` while the
//! app syncs — can show bytes sent of bytes waiting, the rate and the time
//! left. Written (temp file + rename) each second a pass uploads, removed
//! when the uploads end; a reader ignores a file older than a few seconds
//! (the writer died).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{ListingPhotos, Uploading};

const FILE: &str = "sync-progress.json";

/// A file older than this says nothing: its writer stopped.
pub const FRESH_MS: i64 = 10_000;

#[derive(Debug, Serialize, Deserialize)]
struct Written {
    at_ms: i64,
    bytes_sent: u64,
    bytes_total: u64,
    rate_bytes_per_s: Option<u64>,
    seconds_left: Option<u64>,
    listings: Vec<Listing>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Listing {
    id: String,
    sent: u32,
    total: u32,
}

/// Where the progress of the catalog in `dir` is written.
pub fn progress_path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Writes `uploading` as of `now_ms`, or removes the file for `None`.
pub fn write(dir: &Path, uploading: Option<&Uploading>, now_ms: i64) -> std::io::Result<()> {
    let path = progress_path(dir);
    let Some(up) = uploading else {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    };
    let written = Written {
        at_ms: now_ms,
        bytes_sent: up.bytes_sent,
        bytes_total: up.bytes_total,
        rate_bytes_per_s: up.rate_bytes_per_s,
        seconds_left: up.seconds_left,
        listings: up
            .listings
            .iter()
            .map(|l| Listing {
                id: l.listing_id.to_string(),
                sent: l.sent,
                total: l.total,
            })
            .collect(),
    };
    let temp = dir.join(format!(".{FILE}.tmp"));
    std::fs::write(
        &temp,
        serde_json::to_vec(&written).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(temp, path)
}

/// What the file in `dir` says, if it was written within [`FRESH_MS`] of
/// `now_ms`.
pub fn read_progress(dir: &Path, now_ms: i64) -> Option<Uploading> {
    let bytes = std::fs::read(progress_path(dir)).ok()?;
    let written: Written = serde_json::from_slice(&bytes).ok()?;
    if (now_ms - written.at_ms).abs() > FRESH_MS {
        return None;
    }
    Some(Uploading {
        bytes_sent: written.bytes_sent,
        bytes_total: written.bytes_total,
        rate_bytes_per_s: written.rate_bytes_per_s,
        seconds_left: written.seconds_left,
        listings: written
            .listings
            .into_iter()
            .filter_map(|l| {
                Some(ListingPhotos {
                    listing_id: l.id.parse().ok()?,
                    sent: l.sent,
                    total: l.total,
                })
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::{FRESH_MS, read_progress, write};
    use crate::{ListingPhotos, Uploading};

    #[test]
    fn progress_reads_back_while_fresh_and_is_gone_when_removed() {
        let dir = tempfile::tempdir().unwrap();
        let up = Uploading {
            bytes_sent: 1_000,
            bytes_total: 5_000,
            rate_bytes_per_s: Some(500),
            seconds_left: Some(8),
            listings: vec![ListingPhotos {
                listing_id: store::ListingId::new(),
                sent: 1,
                total: 3,
            }],
        };
        assert_eq!(read_progress(dir.path(), 0), None);
        write(dir.path(), Some(&up), 1_000_000).unwrap();
        assert_eq!(read_progress(dir.path(), 1_000_500), Some(up.clone()));
        // The writer stopped long ago: nothing to show.
        assert_eq!(read_progress(dir.path(), 1_000_000 + FRESH_MS + 1), None);
        write(dir.path(), None, 1_000_600).unwrap();
        assert_eq!(read_progress(dir.path(), 1_000_700), None);
        write(dir.path(), None, 1_000_800).unwrap();
    }
}
