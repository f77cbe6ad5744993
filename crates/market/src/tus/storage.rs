//! Uploads in the database and their `.part` files on disk.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The upload `id` of the device's cooperative, if there is one.
pub(super) fn upload(tx: &mut Tx<'_>, id: &str, device: Device) -> Result<Option<Upload>> {
    tx.query_opt(
        "SELECT length, upload_offset, sha256, expires_at, completed_at
         FROM uploads WHERE id = ?1 AND cooperative_id = ?2",
        args![id, &device.cooperative_id.to_string()],
    )?
    .map(|row| {
        Ok(Upload {
            length: u64::try_from(row.get::<i64>(0)?).unwrap_or(0),
            offset: u64::try_from(row.get::<i64>(1)?).unwrap_or(0),
            sha256: row.get(2)?,
            expires_at_ms: row.get(3)?,
            completed: row.get::<Option<i64>>(4)?.is_some(),
        })
    })
    .transpose()
}

/// The upload, or why the client cannot use it: unknown (404, also for
/// another cooperative's) or expired (410).
pub(super) fn live_upload(
    tx: &mut Tx<'_>,
    id: &str,
    device: Device,
    now_ms: i64,
) -> Result<Result<Upload, AppError>> {
    Ok(match upload(tx, id, device)? {
        None => Err(unknown_upload(id)),
        Some(upload) if !upload.completed && upload.expires_at_ms <= now_ms => Err(status_error(
            StatusCode::GONE,
            ErrorKind::NotFound,
            format!("the upload `{id}` expired — start a new one"),
        )),
        Some(upload) => Ok(upload),
    })
}

/// Drops uploads past their expiry, finished or not, with their bytes.
/// Returns the ids dropped, whose chunks in a bucket the caller deletes.
pub(super) fn drop_expired(tx: &mut Tx<'_>, data_dir: &Path, now_ms: i64) -> Result<Vec<String>> {
    let ids = tx
        .query(
            "SELECT id FROM uploads WHERE expires_at <= ?1",
            args![now_ms],
        )?
        .iter()
        .map(|row| row.get::<String>(0))
        .collect::<Result<Vec<_>>>()?;
    for id in &ids {
        remove_if_present(&part_path(data_dir, id))?;
        tx.execute("DELETE FROM uploads WHERE id = ?1", args![id])?;
    }
    Ok(ids)
}

pub(super) fn part_path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("uploads").join(format!("{id}.part"))
}

pub(super) fn sha256_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
