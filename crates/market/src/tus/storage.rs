//! Uploads in the database and their `.part` files on disk.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The upload `id` of the device's cooperative, if there is one.
pub(super) fn upload(conn: &Connection, id: &str, device: Device) -> Result<Option<Upload>> {
    let found = conn
        .query_row(
            "SELECT length, upload_offset, sha256, expires_at, completed_at IS NOT NULL
             FROM uploads WHERE id = ?1 AND cooperative_id = ?2",
            params![id, device.cooperative_id.to_string()],
            |row| {
                Ok(Upload {
                    length: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                    offset: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                    sha256: row.get(2)?,
                    expires_at_ms: row.get(3)?,
                    completed: row.get(4)?,
                })
            },
        )
        .optional()?;
    Ok(found)
}

/// The upload, or why the client cannot use it: unknown (404, also for
/// another cooperative's) or expired (410).
pub(super) fn live_upload(
    conn: &Connection,
    id: &str,
    device: Device,
    now_ms: i64,
) -> Result<Result<Upload, AppError>> {
    Ok(match upload(conn, id, device)? {
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
pub(super) fn drop_expired(conn: &Connection, data_dir: &Path, now_ms: i64) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT id FROM uploads WHERE expires_at <= ?1")?;
    let ids = stmt
        .query_map([now_ms], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in ids {
        remove_if_present(&part_path(data_dir, &id))?;
        conn.execute("DELETE FROM uploads WHERE id = ?1", [&id])?;
    }
    Ok(())
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
