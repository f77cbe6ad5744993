//! Per-cooperative limits on photos: how many bytes its photos may take
//! (`Config::storage_quota_bytes`: the photos its uploads stored first,
//! plus its uploads in progress) and how fast it may start uploads
//! (`Config::upload_rate`, a token bucket per cooperative). Checked when an
//! upload is created, so a full quota refuses before any byte is sent.

use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::Result;
use crate::rate_limit::Limiter;

/// Why an upload may not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The cooperative's photos take `used` bytes of `quota`.
    Full { used: u64, quota: u64 },
    /// Too many uploads started; one more is allowed in this many seconds.
    TooFast { retry_after_s: u64 },
}

/// The bytes the cooperative's photos take: those it stored first and its
/// unfinished, unexpired uploads.
pub(crate) fn used_bytes(tx: &mut Tx<'_>, cooperative_id: Uuid, now_ms: i64) -> Result<u64> {
    let id = cooperative_id.to_string();
    let row = tx.query_one(
        // PostgreSQL sums BIGINTs as NUMERIC: cast back.
        "SELECT CAST((SELECT COALESCE(SUM(size), 0) FROM photos WHERE cooperative_id = ?1)
                     AS BIGINT),
                CAST((SELECT COALESCE(SUM(length), 0) FROM uploads
                      WHERE cooperative_id = ?1 AND completed_at IS NULL AND expires_at > ?2)
                     AS BIGINT)",
        args![&id, now_ms],
    )?;
    let stored = u64::try_from(row.get::<i64>(0)?).unwrap_or(0);
    let uploading = u64::try_from(row.get::<i64>(1)?).unwrap_or(0);
    Ok(stored.saturating_add(uploading))
}

/// Whether the cooperative may start an upload of `length` bytes. Takes a
/// token of its upload rate when it may (run in the write transaction
/// that creates the upload).
pub(crate) fn check_upload(
    tx: &mut Tx<'_>,
    rate: &Limiter,
    quota: u64,
    cooperative_id: Uuid,
    length: u64,
    now_ms: i64,
) -> Result<Result<(), Refusal>> {
    let used = used_bytes(tx, cooperative_id, now_ms)?;
    if used.saturating_add(length) > quota {
        return Ok(Err(Refusal::Full { used, quota }));
    }
    let key = format!("upload {cooperative_id}");
    Ok(rate
        .check(tx, &key, now_ms)?
        .map_err(|retry_after_s| Refusal::TooFast { retry_after_s }))
}
