//! Upload bytes in the bucket, when the photos go to one: each accepted
//! chunk is an object of its own, listed in `upload_chunks`, so server
//! processes on different machines can each take a chunk of the same
//! upload. The last chunk makes the server read them back in order, check
//! the whole file's SHA-256 and store the photo under its hash.

#[allow(clippy::wildcard_imports)]
use super::*;

use std::sync::Arc;

use futures_util::StreamExt as _;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

/// Where the chunks of upload `id` live.
fn prefix(id: &str) -> ObjectPath {
    ObjectPath::from(format!("uploads/{id}"))
}

/// Stores `chunk` (already checked against the upload's offset and its
/// checksum) and counts it, unless another request counted a chunk at this
/// offset first. Returns the new offset.
pub(super) async fn append(
    market: &Market,
    bucket: &Arc<dyn ObjectStore>,
    id: &str,
    device: Device,
    upload: &Upload,
    chunk: Bytes,
) -> Result<Result<u64, AppError>> {
    let offset = upload.offset;
    let end = offset + chunk.len() as u64;
    // A name of its own, so a racing request at the same offset never
    // overwrites the bytes that were counted.
    let key = format!("uploads/{id}/{offset:020}-{}", Uuid::now_v7());
    bucket
        .put(&ObjectPath::from(key.as_str()), PutPayload::from(chunk))
        .await?;
    let now_ms = market.now_ms();
    let id = id.to_owned();
    market
        .run(move |tx| {
            let current = match live_upload(tx, &id, device, now_ms)? {
                Ok(current) => current,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if current.offset != offset {
                return Ok(Err(status_error(
                    StatusCode::CONFLICT,
                    ErrorKind::BadRequest,
                    format!(
                        "this chunk starts at byte {offset} but the server has {} — ask with HEAD and resume from there",
                        current.offset
                    ),
                )));
            }
            let sql_offset = i64::try_from(offset).unwrap_or(i64::MAX);
            let sql_end = i64::try_from(end).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO upload_chunks (upload_id, upload_offset, length, object_key)
                 VALUES (?1, ?2, ?3, ?4)",
                args![&id, sql_offset, sql_end - sql_offset, &key],
            )?;
            tx.execute(
                "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
                args![sql_end, &id],
            )?;
            Ok(Ok(end))
        })
        .await
}

/// Assembles a complete upload, checks it and stores the photo; forgets
/// the upload (answering why) if its bytes do not hash to the declared
/// SHA-256. Safe to run twice.
pub(super) async fn finish(
    market: &Market,
    bucket: &Arc<dyn ObjectStore>,
    id: &str,
    sha256: &str,
    length: u64,
) -> Result<Result<(), AppError>> {
    let lookup = id.to_owned();
    let chunks = market
        .read(move |tx| {
            tx.query(
                "SELECT upload_offset, length, object_key FROM upload_chunks
                 WHERE upload_id = ?1 ORDER BY upload_offset",
                args![&lookup],
            )?
            .iter()
            .map(|row| {
                Ok((
                    row.get::<i64>(0)?,
                    row.get::<i64>(1)?,
                    row.get::<String>(2)?,
                ))
            })
            .collect::<Result<Vec<_>>>()
        })
        .await?;
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    let mut next = 0i64;
    for (offset, chunk_length, key) in &chunks {
        if *offset != next {
            // Never happens while only this code writes the table.
            return Err(crate::Error::Column(format!(
                "upload {id}: chunk at {offset}, expected {next}"
            )));
        }
        let chunk = bucket
            .get(&ObjectPath::from(key.as_str()))
            .await?
            .bytes()
            .await?;
        if chunk.len() as i64 != *chunk_length {
            return Err(crate::Error::Column(format!(
                "upload {id}: chunk {key} has {} bytes, expected {chunk_length}",
                chunk.len()
            )));
        }
        bytes.extend_from_slice(&chunk);
        next += chunk_length;
    }
    let actual = hex::encode(Sha256::digest(&bytes));
    let now_ms = market.now_ms();
    let (id, sha256) = (id.to_owned(), sha256.to_owned());
    if actual != sha256 {
        let gone = id.clone();
        market
            .run(move |tx| {
                tx.execute("DELETE FROM uploads WHERE id = ?1", args![&gone])?;
                Ok(())
            })
            .await?;
        forget(bucket, &id).await;
        tracing::warn!(upload_id = %id, "upload discarded: SHA-256 mismatch");
        return Ok(Err(checksum_mismatch(format!(
            "the uploaded file's SHA-256 is {actual}, not the declared {sha256} — the upload was discarded; upload the photo again"
        ))));
    }
    let size = bytes.len() as i64;
    market.blobs().put_bytes(&sha256, bytes).await?;
    let done = id.clone();
    market
        .run(move |tx| {
            blobs::record(tx, &sha256, size, now_ms)?;
            tx.execute(
                "UPDATE uploads SET completed_at = ?1 WHERE id = ?2",
                args![now_ms, &done],
            )?;
            tx.execute(
                "DELETE FROM upload_chunks WHERE upload_id = ?1",
                args![&done],
            )?;
            tracing::info!(upload_id = %done, %sha256, "photo stored");
            Ok(())
        })
        .await?;
    forget(bucket, &id).await;
    Ok(Ok(()))
}

/// Deletes every chunk object of upload `id`, counted or not. Best effort:
/// a failure leaves garbage in the bucket, never a wrong photo.
pub(super) async fn forget(bucket: &Arc<dyn ObjectStore>, id: &str) {
    let listed: Vec<_> = bucket.list(Some(&prefix(id))).collect().await;
    for meta in listed {
        let deleted = match meta {
            Ok(meta) => bucket.delete(&meta.location).await,
            Err(err) => Err(err),
        };
        if let Err(err) = deleted {
            tracing::warn!(upload_id = id, error = %err, "could not delete an upload chunk");
        }
    }
}
