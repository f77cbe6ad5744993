//! The content-addressed store: `<store_dir>/photos/ab/abcdef….jpg`, named by
//! the SHA-256 of the bytes, written atomically.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Where the JPEG with this hex SHA-256 lives under `store_dir`.
pub fn photo_path(store_dir: &Path, sha256: &str) -> PathBuf {
    let shard = sha256.get(..2).unwrap_or("00");
    store_dir
        .join("photos")
        .join(shard)
        .join(format!("{sha256}.jpg"))
}

/// The bytes of the JPEGs with these hashes under `store_dir`, each name
/// once as given (a file not there counts 0). Blocking: a `stat` each.
pub fn files_bytes<'a>(store_dir: &Path, sha256s: impl IntoIterator<Item = &'a str>) -> u64 {
    sha256s
        .into_iter()
        .map(|sha| fs::metadata(photo_path(store_dir, sha)).map_or(0, |m| m.len()))
        .sum()
}

/// Stores `bytes` under their SHA-256 and returns `(hex hash, path)`.
///
/// Already there: nothing is written (the name is the content, and a file
/// only ever appears under its name complete, by rename). Otherwise: a
/// temporary file in the same directory, `fsync`, rename, `fsync` of the
/// directory, so a power cut leaves either no file or the whole file.
pub fn put(store_dir: &Path, bytes: &[u8]) -> Result<(String, PathBuf)> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let path = photo_path(store_dir, &sha256);
    if path.is_file() {
        tracing::debug!(%sha256, "photo already stored");
        return Ok((sha256, path));
    }
    let dir = path.parent().unwrap_or(store_dir);
    let store_err = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Store { path, source }
    };
    let created = !dir.is_dir();
    fs::create_dir_all(dir).map_err(store_err(dir))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".incoming-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(store_err(dir))?;
    temp.write_all(bytes).map_err(store_err(temp.path()))?;
    temp.as_file().sync_all().map_err(store_err(temp.path()))?;
    temp.persist(&path).map_err(|e| Error::Store {
        path: path.clone(),
        source: e.error,
    })?;
    sync_dir(dir)?;
    if created && let Some(photos) = dir.parent() {
        sync_dir(photos)?;
    }
    tracing::debug!(%sha256, bytes = bytes.len(), "photo stored");
    Ok((sha256, path))
}

/// Makes a rename in `dir` durable. Directories cannot be opened for
/// `fsync` on Windows, where `MoveFileEx` is already write-through enough.
fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| Error::Store {
                path: dir.to_owned(),
                source,
            })?;
    }
    Ok(())
}
