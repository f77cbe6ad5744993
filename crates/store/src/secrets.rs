//! The device's secrets (its marketplace token, a waiting enrollment code,
//! its installation key) live in a file beside the catalog that only the
//! user can read, never in the catalog itself: a backup on a USB stick is
//! not a key to the cooperative's account, and a catalog restored on
//! another laptop asks to connect again (and gets an identity of its own).
//!
//! Hand-rolled rather than the OS credential store (`keyring`): its Linux
//! backend needs a Secret Service on D-Bus, which the CI machines and many
//! minimal desktops lack; a 0600 file is what the issue allows where there
//! is none, and is the same everywhere.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Result;

/// `catalog.db` → `catalog.secrets`.
pub(crate) fn path(catalog: &Path) -> PathBuf {
    catalog.with_extension("secrets")
}

pub(crate) fn read(catalog: &Path) -> Result<BTreeMap<String, String>> {
    match std::fs::read(path(catalog)) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the secrets file is unreadable; starting without it");
            BTreeMap::new()
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn get(catalog: &Path, key: &str) -> Result<Option<String>> {
    Ok(read(catalog)?.remove(key))
}

/// Sets (or with `None` removes) one secret: temp file (0600) + fsync +
/// rename + directory fsync, so a power cut leaves the old file or the new.
pub(crate) fn set(catalog: &Path, key: &str, value: Option<&str>) -> Result<()> {
    let mut secrets = read(catalog)?;
    let changed = match value {
        Some(v) => secrets.insert(key.to_owned(), v.to_owned()).as_deref() != Some(v),
        None => secrets.remove(key).is_some(),
    };
    if !changed {
        return Ok(());
    }
    let target = path(catalog);
    let temp = target.with_extension("secrets.tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(&serde_json::to_vec(&secrets).unwrap_or_default())?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, &target)?;
    #[cfg(unix)]
    if let Some(dir) = target.parent()
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}
