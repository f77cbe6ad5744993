//! Clean-up on a timer (`hanout-market serve` runs [`spawn`] every
//! `--cleanup-every`): uploads past their expiry go with their bytes, and
//! photos no listing shows go from the blob store once no listing has
//! shown them for `Config::blob_grace` — on disk and in a bucket alike.
//!
//! A photo is first *marked* (`photos.unreferenced_at`) when a pass sees no
//! listing showing it and no upload of it in progress, unmarked if a
//! listing shows it again, and removed by a pass after the grace period.
//! The grace covers a device that uploaded a photo and has not yet set its
//! listing's photo list, or a laptop that was offline. A photo removed too
//! early is no loss: the device that still shows it has the file and
//! uploads it again when the server says it is missing.

use std::time::Duration;

use crate::Market;
use crate::db::args;
use crate::error::Result;

/// What one pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub expired_uploads: usize,
    pub photos_removed: Vec<String>,
}

/// Not shown by any listing, and not being uploaded again (on `photos`).
const UNUSED: &str = "NOT EXISTS (SELECT 1 FROM listing_photos lp
                        WHERE lp.display = photos.sha256 OR lp.thumb = photos.sha256)
    AND NOT EXISTS (SELECT 1 FROM uploads u
                    WHERE u.sha256 = photos.sha256 AND u.completed_at IS NULL)";

/// Photos removed per pass at most (the next pass takes the rest).
const BATCH: usize = 500;

/// One clean-up pass, now.
pub async fn run_once(market: &Market) -> anyhow::Result<Report> {
    Ok(pass(market).await?)
}

/// Runs a pass every `every` until the process ends (errors are logged and
/// the next pass tries again). Several server processes may each run it:
/// every step is safe to run twice.
pub fn spawn(market: Market, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match pass(&market).await {
                Ok(report) if report != Report::default() => tracing::info!(
                    expired_uploads = report.expired_uploads,
                    photos_removed = report.photos_removed.len(),
                    "clean-up"
                ),
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "clean-up failed; trying again later"),
            }
        }
    })
}

async fn pass(market: &Market) -> Result<Report> {
    let now_ms = market.now_ms();
    let expired = crate::tus::drop_expired_uploads(market, now_ms).await?;
    let grace_ms = i64::try_from(market.config().blob_grace.as_millis()).unwrap_or(i64::MAX);
    let removable = market
        .run(move |tx| {
            tx.execute(
                &format!(
                    "UPDATE photos SET unreferenced_at = NULL
                     WHERE unreferenced_at IS NOT NULL AND NOT ({UNUSED})"
                ),
                &[],
            )?;
            tx.execute(
                &format!("UPDATE photos SET unreferenced_at = ?1 WHERE unreferenced_at IS NULL AND {UNUSED}"),
                args![now_ms],
            )?;
            let due = now_ms.saturating_sub(grace_ms);
            // Photo lists kept for files that never came: the device sends
            // its list again once its uploads are done anyway.
            tx.execute(
                "DELETE FROM pending_photo_lists WHERE created_at < ?1",
                args![due],
            )?;
            let limit = i64::try_from(BATCH).unwrap_or(i64::MAX);
            tx.query(
                "SELECT sha256 FROM photos WHERE unreferenced_at <= ?1
                 ORDER BY unreferenced_at LIMIT ?2",
                args![due, limit],
            )?
            .iter()
            .map(|row| row.get::<String>(0))
            .collect::<Result<Vec<_>>>()
            .map(|due_now| (due_now, due))
        })
        .await?;
    let (candidates, due) = removable;
    // One photo per transaction, its bytes deleted under the write lock:
    // an upload of the same photo finishing meanwhile checks the bytes
    // under that lock too (`blobs::admit`), so no photo is ever recorded
    // without its bytes. A failed delete rolls the row back.
    let mut removed = Vec::new();
    for sha256 in candidates {
        let handle = tokio::runtime::Handle::current();
        let store = market.blobs().clone();
        let gone = sha256.clone();
        let result = market
            .run(move |tx| {
                let deleted = tx.execute(
                    &format!(
                        "DELETE FROM photos WHERE sha256 = ?1 AND unreferenced_at <= ?2
                         AND {UNUSED}"
                    ),
                    args![&gone, due],
                )?;
                if deleted == 1 {
                    crate::blobs::delete_blocking(&store, &handle, &gone)?;
                }
                Ok(deleted == 1)
            })
            .await;
        match result {
            Ok(true) => removed.push(sha256),
            Ok(false) => {}
            Err(err) => tracing::warn!(%sha256, error = %err, "could not delete an unused photo"),
        }
    }
    Ok(Report {
        expired_uploads: expired,
        photos_removed: removed,
    })
}
