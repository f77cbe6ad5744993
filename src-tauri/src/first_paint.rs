//! The window's first interactive paint: the UI calls `first_paint` once,
//! when the first page of the list has been drawn. The app's age then is
//! logged at debug level; with `HANOUT_BENCH_READY_FILE` set it is also
//! written to that file, which is how `cargo xtask bench app` times a cold
//! start. Nothing else depends on it.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tauri::State;

use crate::ipc::AppError;

/// When `main` started, the fallback where the kernel's record of the
/// process start cannot be read.
static MAIN_STARTED: OnceLock<Instant> = OnceLock::new();

/// Called first thing in `main`.
pub fn mark_main_started() {
    MAIN_STARTED.get_or_init(Instant::now);
}

/// Managed state: where to write the figure, and whether it was taken.
pub struct FirstPaint {
    ready_file: Option<PathBuf>,
    reported: AtomicBool,
}

impl FirstPaint {
    pub fn new(ready_file: Option<PathBuf>) -> FirstPaint {
        FirstPaint {
            ready_file,
            reported: AtomicBool::new(false),
        }
    }
}

/// The window drew its first page of listings. Only the first call counts.
#[tauri::command]
#[specta::specta]
pub async fn first_paint(paint: State<'_, FirstPaint>) -> Result<(), AppError> {
    if paint.reported.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let since_main = MAIN_STARTED.get().map(Instant::elapsed);
    let age = process_age().or(since_main);
    tracing::debug!(
        process_age_ms = age.map(|d| d.as_millis() as u64),
        since_main_ms = since_main.map(|d| d.as_millis() as u64),
        "first interactive paint"
    );
    if let (Some(path), Some(age)) = (&paint.ready_file, age) {
        // Temp file + rename: whoever watches for the file never reads half of it.
        let tmp = path.with_extension("tmp");
        let written = std::fs::write(&tmp, format!("{}\n", age.as_millis()))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %path.display(), "first paint not written");
        }
    }
    Ok(())
}

/// How long this process has existed, exec and dynamic linking included
/// (Linux: `/proc`, 10 ms steps); `None` elsewhere.
fn process_age() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
    age_from_proc(&stat, &uptime)
}

/// Clock ticks per second in `/proc/<pid>/stat` (`USER_HZ`): 100 on every
/// architecture Hanout ships for.
const USER_HZ: f64 = 100.0;

/// The process's age from `/proc/self/stat` (field 22, `starttime`, in
/// ticks since boot) and `/proc/uptime` (seconds since boot).
fn age_from_proc(stat: &str, uptime: &str) -> Option<Duration> {
    // The command name (field 2) may hold spaces and parentheses: count
    // fields from after its closing parenthesis, where field 3 begins.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let start_ticks: f64 = after_name.split_whitespace().nth(22 - 3)?.parse().ok()?;
    let up_s: f64 = uptime.split_whitespace().next()?.parse().ok()?;
    let age = up_s - start_ticks / USER_HZ;
    (age >= 0.0).then(|| Duration::from_millis((age * 1e3).round() as u64))
}

#[cfg(test)]
mod tests;
