//! One file in, two stored derivatives out.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::derive::{Encoded, derive};
use crate::{Error, Limits, Result, store};

/// A stored derivative JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivative {
    /// Lower-case hex SHA-256 of the JPEG bytes: its name in the store and
    /// how listings reference it.
    pub sha256: String,
    /// Size of the JPEG in bytes.
    pub bytes: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Where it is stored: `<store_dir>/photos/ab/abcdef….jpg`.
    pub path: PathBuf,
}

/// The result of importing one photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Long edge ≤ [`crate::DISPLAY_LONG_EDGE`], for the listing page.
    pub display: Derivative,
    /// Long edge ≤ [`crate::THUMB_LONG_EDGE`], for lists and grids.
    pub thumb: Derivative,
    /// Width of the original once turned upright (EXIF orientation applied).
    pub source_width: u32,
    /// Height of the original once turned upright.
    pub source_height: u32,
}

/// Imports the photo at `path`: checks its size, decodes it (whatever its
/// extension says), and stores its `display` and `thumb` JPEGs under
/// `store_dir` by content hash. Importing the same photo twice stores it
/// once.
///
/// Blocking and CPU-heavy (a 24 MP photo takes a fraction of a second):
/// call it from a worker thread or `spawn_blocking`, or use
/// [`crate::import_many`].
pub fn import(path: &Path, store_dir: &Path, limits: &Limits) -> Result<Imported> {
    let bytes = read_limited(path, limits.max_file_bytes)?;
    let derived = derive(&bytes, limits)?;
    let imported = Imported {
        display: put(store_dir, derived.display)?,
        thumb: put(store_dir, derived.thumb)?,
        source_width: derived.source_width,
        source_height: derived.source_height,
    };
    tracing::info!(
        path = %path.display(),
        display = %imported.display.sha256,
        display_bytes = imported.display.bytes,
        thumb_bytes = imported.thumb.bytes,
        "photo imported"
    );
    Ok(imported)
}

/// Reads the whole file, refusing it before reading when its size is over
/// `limit` (and while reading, should it grow meanwhile).
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let read_err = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    if len > limit {
        return Err(Error::TooLarge { bytes: len, limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(Error::TooLarge { bytes: read, limit });
    }
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    Ok(bytes)
}

fn put(store_dir: &Path, encoded: Encoded) -> Result<Derivative> {
    let (sha256, path) = store::put(store_dir, &encoded.jpeg)?;
    Ok(Derivative {
        sha256,
        bytes: encoded.jpeg.len() as u64,
        width: encoded.width,
        height: encoded.height,
        path,
    })
}
