//! The photo files a bundle carries: read from and written into the
//! laptop's photo store (`photos::photo_path`, beside the catalog).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use store::{BundleMade, BundlePhotos, BundleTaken, PhotoChoice, Store};

use crate::Result;

/// The photo store of the catalog at `catalog` (its directory).
#[derive(Debug, Clone)]
pub struct PhotoDir(PathBuf);

impl PhotoDir {
    pub fn of_catalog(catalog: &Path) -> PhotoDir {
        PhotoDir(catalog.parent().unwrap_or(Path::new(".")).to_owned())
    }
}

impl BundlePhotos for PhotoDir {
    fn read(&self, sha256: &str) -> Option<Vec<u8>> {
        std::fs::read(photos::photo_path(&self.0, sha256)).ok()
    }

    fn has(&self, sha256: &str) -> bool {
        photos::photo_path(&self.0, sha256).is_file()
    }

    fn write(&mut self, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
        // The store names a file by the hash of its bytes: one damaged on
        // the way lands under another name (no listing names it) and is
        // refused here, so its listing waits for the real one.
        let (stored, _) = photos::store_bytes(&self.0, bytes).map_err(std::io::Error::other)?;
        if stored != sha256 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("photo {sha256} arrived damaged"),
            ));
        }
        Ok(())
    }
}

/// Writes a bundle of this laptop's changes to `path` (with the photo
/// files unless `photos` is false).
pub fn export_file(
    store: &mut Store,
    path: &Path,
    photos: bool,
    now_ms: i64,
) -> Result<BundleMade> {
    let dir = PhotoDir::of_catalog(store.path());
    let choice = if photos {
        PhotoChoice::All
    } else {
        PhotoChoice::None
    };
    Ok(store.export_bundle(path, None, &choice, &dir, now_ms)?)
}

/// Takes a bundle file in (idempotent).
pub fn import_file(store: &mut Store, path: &Path, now_ms: i64) -> Result<BundleTaken> {
    let mut dir = PhotoDir::of_catalog(store.path());
    Ok(store.import_bundle(path, &mut dir, now_ms)?)
}

/// Exports for the laptop with `key`, leaving out the photos it has.
pub(crate) fn export_for(
    store: &mut Store,
    path: &Path,
    key: &str,
    has: Option<HashSet<String>>,
    now_ms: i64,
) -> Result<BundleMade> {
    let dir = PhotoDir::of_catalog(store.path());
    let choice = match has {
        Some(has) => PhotoChoice::Except(has),
        None => PhotoChoice::All,
    };
    Ok(store.export_bundle(path, Some(key), &choice, &dir, now_ms)?)
}
