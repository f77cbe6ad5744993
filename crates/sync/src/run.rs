use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::{Notify, watch};

use crate::{Connection, Engine, Status, sync_once};

/// Syncs until `shutdown` resolves: after each pass, waits for `wake` (the
/// app saved something, or the user pressed "sync now") or a timer — the
/// idle interval after success, an exponential backoff with jitter after a
/// transient failure. Every pass publishes a fresh [`Status`].
pub async fn run(
    engine: Engine,
    wake: Arc<Notify>,
    status: watch::Sender<Status>,
    shutdown: impl Future<Output = ()>,
) {
    let config = engine.config().clone();
    let new_backoff = || retry_backoff(&config);
    let mut backoff = new_backoff();
    tokio::pin!(shutdown);

    loop {
        status.send_modify(|s| {
            if s.connection != Connection::NotConfigured {
                s.connection = Connection::Syncing;
            }
        });
        let result = pass_showing_uploads(&engine, &status).await;
        let delay = match &result {
            Ok(report) => {
                backoff = new_backoff();
                tracing::debug!(?report, "sync pass done");
                if report.budget_reached {
                    // Until the day turns (UTC, as the count), or the
                    // manager raises the budget (a settings change wakes).
                    tracing::info!("daily data budget spent; sync waits for tomorrow");
                    until_tomorrow(engine.clock.now_ms())
                } else if report.photo_downloads_more {
                    // Photos still to fetch: go on at once.
                    Duration::ZERO
                } else {
                    config.idle_interval
                }
            }
            Err(e) if e.kind() == crate::ErrorKind::DiskFull => {
                // Said at once (the status below); tried again soon, as
                // freeing space is all it takes.
                tracing::warn!(error = %e, "disk full; will retry");
                DISK_FULL_RETRY
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, "sync pass failed; will retry");
                backoff.next().unwrap_or(config.retry_max)
            }
            Err(e) => {
                // Needs the user (a new code, a marketplace URL): wait for them.
                tracing::warn!(error = %e, "sync cannot proceed");
                Duration::from_secs(3600)
            }
        };
        publish(&engine, &status, &result).await;

        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(delay) => {}
            _ = &mut shutdown => return,
        }
    }
}

/// Waits between failed passes: exponential from `retry_min` to
/// `retry_max`, with jitter, for ever.
pub(crate) fn retry_backoff(config: &crate::Config) -> backon::ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(config.retry_min)
        .with_max_delay(config.retry_max)
        .with_jitter()
        .without_max_times()
        .build()
}

/// The wait until the next budget day (a minute into it). Pure.
pub(crate) fn until_tomorrow(now_ms: i64) -> Duration {
    const DAY_MS: i64 = 86_400_000;
    let left = DAY_MS - now_ms.rem_euclid(DAY_MS) + 60_000;
    Duration::from_millis(u64::try_from(left).unwrap_or(0))
}

/// How soon a pass that hit a full disk is tried again.
const DISK_FULL_RETRY: Duration = Duration::from_secs(30);

/// One pass; meanwhile, every second, the photos on their way (bytes,
/// rate, time left, per listing) go into the status.
async fn pass_showing_uploads(
    engine: &Engine,
    status: &watch::Sender<Status>,
) -> crate::Result<crate::engine::Report> {
    let pass = sync_once(engine);
    tokio::pin!(pass);
    let mut tick = tokio::time::interval(UPLOAD_STATUS_EVERY);
    // Next to the catalog, for `hanout status` (`progress_file.rs`).
    let dir = engine
        .with_store(|s| Ok(s.path().parent().map(std::path::Path::to_path_buf)))
        .await
        .ok()
        .flatten();
    let result = loop {
        tokio::select! {
            result = &mut pass => break result,
            _ = tick.tick() => {
                let now = engine.uploading();
                write_progress(engine, dir.as_deref(), now.as_ref()).await;
                status.send_if_modified(|s| {
                    let changed = s.uploading != now;
                    s.uploading = now;
                    changed
                });
            }
        }
    };
    write_progress(engine, dir.as_deref(), None).await;
    status.send_modify(|s| s.uploading = None);
    result
}

/// The progress file; a failure to write it only loses the display.
async fn write_progress(
    engine: &Engine,
    dir: Option<&std::path::Path>,
    uploading: Option<&crate::Uploading>,
) {
    let Some(dir) = dir.map(std::path::Path::to_path_buf) else {
        return;
    };
    let (uploading, now) = (uploading.cloned(), engine.clock.now_ms());
    let written = tokio::task::spawn_blocking(move || {
        crate::progress_file::write(&dir, uploading.as_ref(), now)
    })
    .await;
    if let Ok(Err(e)) = written {
        tracing::debug!(error = %e, "sync progress file not written");
    }
}

/// How often the status shows upload progress during a pass.
const UPLOAD_STATUS_EVERY: Duration = Duration::from_secs(1);

async fn publish(
    engine: &Engine,
    status: &watch::Sender<Status>,
    result: &crate::Result<crate::engine::Report>,
) {
    let counts = engine
        .with_store(|s| {
            Ok((
                s.pending_count()?,
                s.photos_waiting()?,
                s.photo_downloads_waiting()?,
                s.setting(store::SettingKey::CooperativeName)?,
            ))
        })
        .await;
    let now = engine.clock.now_ms();
    status.send_modify(|s| {
        if let Ok((pending, photos_pending, downloads, cooperative)) = &counts {
            s.pending = *pending;
            s.photos_pending = *photos_pending;
            s.photo_downloads_pending = *downloads;
            s.cooperative = cooperative.clone();
        }
        match result {
            Ok(report) => {
                s.pulled_changes += report.pulled_changed as u64;
                if report.clock_skew_ms.is_some() {
                    s.clock_skew_ms = report.clock_skew_ms;
                }
                s.budget_reached = report.budget_reached;
                s.photos_held = report.photos_held as u64;
                s.photo_bytes_waiting = report.photo_bytes_waiting;
                if engine.config.app_update.is_some() {
                    s.app_update = report.app_update.clone();
                }
                s.connection = Connection::Online;
                s.last_error = None;
                s.last_synced_at_ms = Some(now);
            }
            Err(e) => {
                s.connection = match e.kind() {
                    crate::ErrorKind::NotConfigured | crate::ErrorKind::NotEnrolled => {
                        Connection::NotConfigured
                    }
                    _ => Connection::Offline,
                };
                s.last_error = Some(e.kind());
            }
        }
    });
}
