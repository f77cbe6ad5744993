//! The photo imports running now, each with its own cancel flag, so
//! cancelling one listing's import leaves another listing's running.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct PhotoImports(Mutex<HashMap<String, Arc<AtomicBool>>>);

/// One running import; it stops being cancellable when dropped.
#[derive(Debug)]
pub struct RunningImport {
    imports: Arc<PhotoImports>,
    listing: String,
    pub cancel: Arc<AtomicBool>,
}

impl PhotoImports {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AtomicBool>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers an import of photos for `listing`. A second import for
    /// the same listing replaces the first as the one "cancel" stops.
    pub fn begin(imports: &Arc<PhotoImports>, listing: &str) -> RunningImport {
        let cancel = Arc::new(AtomicBool::new(false));
        imports.map().insert(listing.to_owned(), cancel.clone());
        RunningImport {
            imports: imports.clone(),
            listing: listing.to_owned(),
            cancel,
        }
    }

    /// Asks `listing`'s running import to stop; false if none runs.
    pub fn cancel(&self, listing: &str) -> bool {
        match self.map().get(listing) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

impl Drop for RunningImport {
    fn drop(&mut self) {
        let mut map = self.imports.map();
        if map
            .get(&self.listing)
            .is_some_and(|flag| Arc::ptr_eq(flag, &self.cancel))
        {
            map.remove(&self.listing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelling_one_listings_import_leaves_the_others_running() {
        let imports = Arc::new(PhotoImports::default());
        let tapis = PhotoImports::begin(&imports, "tapis");
        let tajine = PhotoImports::begin(&imports, "tajine");
        assert!(imports.cancel("tapis"));
        assert!(tapis.cancel.load(Ordering::Relaxed));
        assert!(!tajine.cancel.load(Ordering::Relaxed));
        drop(tapis);
        assert!(!imports.cancel("tapis"), "a finished import is forgotten");
        assert!(!tajine.cancel.load(Ordering::Relaxed));
    }

    #[test]
    fn a_newer_import_of_the_same_listing_outlives_the_older_one() {
        let imports = Arc::new(PhotoImports::default());
        let first = PhotoImports::begin(&imports, "tapis");
        let second = PhotoImports::begin(&imports, "tapis");
        drop(first);
        assert!(imports.cancel("tapis"));
        assert!(second.cancel.load(Ordering::Relaxed));
    }

    #[test]
    fn the_photo_pipeline_stops_only_the_cancelled_import() {
        // Two real imports of the same 3 photos into one data dir, one
        // cancelled before it starts: it skips them all, the other does not.
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..3u8 {
            let path = dir.path().join(format!("p{i}.png"));
            image::RgbImage::from_pixel(64, 48, image::Rgb([i * 40, 90, 30]))
                .save(&path)
                .unwrap();
            paths.push(path);
        }
        let imports = Arc::new(PhotoImports::default());
        let cancelled = PhotoImports::begin(&imports, "tapis");
        let running = PhotoImports::begin(&imports, "tajine");
        imports.cancel("tapis");
        let run = |import: &RunningImport| {
            photos::import_many(
                paths.clone(),
                &dir.path().join("data"),
                &photos::Limits::default(),
                1,
                |_| {},
                &import.cancel,
            )
        };
        let skipped = run(&cancelled);
        let done = run(&running);
        assert!(
            skipped
                .iter()
                .all(|(_, r)| matches!(r, Err(e) if e.kind() == "cancelled"))
        );
        assert!(done.iter().all(|(_, r)| r.is_ok()), "{done:?}");
    }
}
