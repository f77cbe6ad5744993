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

/// Stores a complete upload: its chunks are read back in order, piece by
/// piece, hashed and sent on to the photo's key as an S3 multipart upload,
/// which is completed only if the whole file hashes to the declared
/// SHA-256 (and aborted otherwise: nothing is stored, the upload is
/// forgotten and the answer says why). A photo the store already holds is
/// not read again. Memory: a part or two (`blobs::PART_BYTES`), whatever
/// the photo's size. Safe to run twice.
pub(super) async fn finish(
    market: &Market,
    bucket: &Arc<dyn ObjectStore>,
    id: &str,
    sha256: &str,
    length: u64,
) -> Result<Result<(), AppError>> {
    if !claim_finish(market, id).await? {
        return Ok(Ok(()));
    }
    let lookup = id.to_owned();
    let known = sha256.to_owned();
    let (chunks, already_stored) = market
        .read(move |tx| {
            let stored = tx
                .query_opt("SELECT 1 FROM photos WHERE sha256 = ?1", args![&known])?
                .is_some();
            let chunks = tx
                .query(
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
                .collect::<Result<Vec<_>>>()?;
            Ok((chunks, stored))
        })
        .await?;
    if !already_stored {
        let key = ObjectPath::from(format!("{}/{sha256}.jpg", &sha256[..2]));
        let mut upload = blobs::Multipart::start(bucket, &key).await?;
        match hash_into(bucket, id, &chunks, length, &mut upload).await {
            Ok(actual) if actual == sha256 => upload.finish().await?,
            Ok(actual) => {
                upload.abort().await;
                let gone = id.to_owned();
                market
                    .run(move |tx| {
                        tx.execute("DELETE FROM uploads WHERE id = ?1", args![&gone])?;
                        Ok(())
                    })
                    .await?;
                forget(bucket, id).await;
                tracing::warn!(upload_id = %id, "upload discarded: SHA-256 mismatch");
                return Ok(Err(checksum_mismatch(format!(
                    "the uploaded file's SHA-256 is {actual}, not the declared {sha256} — the upload was discarded; upload the photo again"
                ))));
            }
            Err(err) => {
                upload.abort().await;
                return Err(err);
            }
        }
    }
    let now_ms = market.now_ms();
    let size = i64::try_from(length).unwrap_or(i64::MAX);
    let (done, sha256) = (id.to_owned(), sha256.to_owned());
    let handle = tokio::runtime::Handle::current();
    let store = market.blobs().clone();
    let policy = market.config().moderation;
    let admitted = market
        .run(move |tx| {
            if !blobs::admit(tx, &store, &handle, &sha256, size, &done, now_ms)? {
                // Its bytes went (cleaned up as they came) or it was
                // purged: the device starts again (or is refused).
                tx.execute("DELETE FROM uploads WHERE id = ?1", args![&done])?;
                tracing::warn!(upload_id = %done, "upload lost its photo; dropped");
                return Ok(false);
            }
            tx.execute(
                "UPDATE uploads SET completed_at = ?1 WHERE id = ?2",
                args![now_ms, &done],
            )?;
            tx.execute(
                "DELETE FROM upload_chunks WHERE upload_id = ?1",
                args![&done],
            )?;
            tracing::info!(upload_id = %done, %sha256, "photo stored");
            crate::listing_photos::apply_pending(tx, &sha256, policy, now_ms)?;
            Ok(true)
        })
        .await?;
    forget(bucket, id).await;
    if admitted {
        Ok(Ok(()))
    } else {
        Ok(Err(status_error(
            StatusCode::CONFLICT,
            ErrorKind::BadRequest,
            "the photo could not be kept — upload it again".to_owned(),
        )))
    }
}

/// Reads the upload's chunks in order into `upload`, returning the SHA-256
/// of all their bytes.
async fn hash_into(
    bucket: &Arc<dyn ObjectStore>,
    id: &str,
    chunks: &[(i64, i64, String)],
    length: u64,
    upload: &mut blobs::Multipart,
) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut next = 0i64;
    for (offset, chunk_length, key) in chunks {
        if *offset != next {
            // Never happens while only this code writes the table.
            return Err(crate::Error::Column(format!(
                "upload {id}: chunk at {offset}, expected {next}"
            )));
        }
        let mut pieces = bucket
            .get(&ObjectPath::from(key.as_str()))
            .await?
            .into_stream();
        let mut read = 0i64;
        while let Some(piece) = pieces.next().await {
            let piece = piece?;
            hasher.update(&piece);
            read += piece.len() as i64;
            upload.put(piece).await?;
        }
        if read != *chunk_length {
            return Err(crate::Error::Column(format!(
                "upload {id}: chunk {key} has {read} bytes, expected {chunk_length}"
            )));
        }
        next += chunk_length;
    }
    if u64::try_from(next).ok() != Some(length) {
        return Err(crate::Error::Column(format!(
            "upload {id}: chunks hold {next} bytes, expected {length}"
        )));
    }
    Ok(hex::encode(hasher.finalize()))
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
