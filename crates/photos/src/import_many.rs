//! Many files on a bounded pool of worker threads, with progress and
//! cancellation.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::encode::panic_message;
use crate::{Error, Imported, Limits, Result, import};

/// Where a batch stands, reported once per finished file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Files finished so far (imported, failed or cancelled).
    pub done: usize,
    /// Files in the batch.
    pub total: usize,
    /// The file that just finished.
    pub current: PathBuf,
}

/// Imports `paths` with `workers` threads (at least one), in parallel.
///
/// Plain OS threads, scoped to the call: call it from a dedicated thread or
/// `spawn_blocking`, never on an async executor. `progress` is called from
/// the workers after each file. Setting `cancel` stops the batch: files
/// already started finish, the others come back as [`Error::Cancelled`].
/// One bad file never stops the others.
///
/// Results are in the order of `paths`.
pub fn import_many(
    paths: Vec<PathBuf>,
    store_dir: &Path,
    limits: &Limits,
    workers: usize,
    progress: impl Fn(Progress) + Send + Sync,
    cancel: &AtomicBool,
) -> Vec<(PathBuf, Result<Imported>)> {
    let total = paths.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Imported>>>> =
        Mutex::new((0..total).map(|_| None).collect());
    let workers = workers.clamp(1, total.max(1));
    tracing::info!(total, workers, "importing photos");

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(index) else { break };
                    let result = if cancel.load(Ordering::Relaxed) {
                        Err(Error::Cancelled)
                    } else {
                        catch_unwind(AssertUnwindSafe(|| import(path, store_dir, limits)))
                            .unwrap_or_else(|panic| Err(Error::Corrupt(panic_message(&*panic))))
                    };
                    if let Err(error) = &result {
                        tracing::warn!(path = %path.display(), %error, "photo not imported");
                    }
                    if let Ok(mut results) = results.lock() {
                        results[index] = Some(result);
                    }
                    let done = done.fetch_add(1, Ordering::AcqRel) + 1;
                    progress(Progress {
                        done,
                        total,
                        current: path.clone(),
                    });
                }
            });
        }
    });

    let results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    paths
        .into_iter()
        .zip(results)
        .map(|(path, result)| (path, result.unwrap_or(Err(Error::Cancelled))))
        .collect()
}
