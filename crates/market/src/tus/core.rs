//! tus core: `HEAD` (where is the upload?) and `PATCH` (append a checked
//! chunk; the last one is hashed and moved into the blob store).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) async fn status(
    State(market): State<Market>,
    device: Device,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, AppError> {
    let now_ms = market.now_ms();
    let key = id.clone();
    let mut upload = market
        .read(move |tx| live_upload(tx, &key, device, now_ms))
        .await??;
    if upload.offset == upload.length && !upload.completed {
        if let Some(bucket) = market.blobs().bucket() {
            // A mismatch forgets the upload: the HEAD below then says 404.
            let _ = bucket::finish(&market, bucket, &id, &upload.sha256, upload.length).await?;
        } else {
            finish(&market, &id, &upload.sha256, upload.length).await?;
        }
        upload = market
            .read(move |tx| live_upload(tx, &id, device, now_ms))
            .await??;
    }
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, upload.offset.into());
    headers.insert(UPLOAD_LENGTH, upload.length.into());
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !upload.completed {
        headers.insert(UPLOAD_EXPIRES, http_date(upload.expires_at_ms));
    }
    Ok((StatusCode::OK, headers).into_response())
}

pub(super) async fn append(
    State(market): State<Market>,
    device: Device,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, AppError> {
    let (offset, checksum) = chunk_headers(&headers)?;
    let (body, checksum) = match read_chunk(&headers, body).await {
        Chunk::Whole(body) => (body, checksum),
        // The link was cut mid-chunk: what arrived is kept (the chunk's
        // checksum covers all of it, so it cannot be checked; the whole
        // file's SHA-256 is, at the end), and the client, asking with
        // HEAD, goes on from there instead of sending the chunk again.
        Chunk::Cut(part) if !part.is_empty() => {
            tracing::info!(upload_id = %id, kept = part.len(), "chunk cut off; the part that arrived is kept");
            (part, None)
        }
        Chunk::Cut(_) | Chunk::Unreadable => {
            return Err(AppError::BadRequest(
                "the chunk did not arrive whole — ask with HEAD and resume from there".to_owned(),
            ));
        }
    };
    let now_ms = market.now_ms();
    let (offset, upload) = if let Some(bucket) = market.blobs().bucket() {
        let key = id.clone();
        let upload = market
            .read(move |tx| live_upload(tx, &key, device, now_ms))
            .await??;
        check_chunk(&upload, offset, checksum, &body)?;
        let end = bucket::append(&market, bucket, &id, device, &upload, body).await??;
        if end == upload.length {
            bucket::finish(&market, bucket, &id, &upload.sha256, upload.length).await??;
        }
        (end, upload)
    } else {
        let data_dir = market.data_dir().to_owned();
        let id_for_finish = id.clone();
        let (end, upload, written) = market
            .run(move |tx| {
                let upload = match live_upload(tx, &id, device, now_ms)? {
                    Ok(upload) => upload,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                let end = match check_chunk(&upload, offset, checksum, &body) {
                    Ok(end) => end,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                write_chunk(tx, &data_dir, &id, &upload, &body)
                    .map(|r| r.map(|written| (end, upload, written)))
            })
            .await??;
        if let Written::Full = written {
            finish(&market, &id_for_finish, &upload.sha256, upload.length).await?;
        }
        (end, upload)
    };
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, offset.into());
    if offset < upload.length {
        headers.insert(UPLOAD_EXPIRES, http_date(upload.expires_at_ms));
    }
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// A `PATCH` body as it arrived.
enum Chunk {
    Whole(Bytes),
    /// The connection ended before the declared `Content-Length`: the
    /// bytes that came.
    Cut(Bytes),
    /// No length declared and the body failed: nothing is kept.
    Unreadable,
}

/// Reads the body; a body that fails after some bytes (the client's link
/// cut, or the connection reset) is [`Chunk::Cut`] only when it declared
/// its length and stayed within it (bodies over the limit are refused
/// before they are read).
async fn read_chunk(headers: &HeaderMap, body: axum::body::Body) -> Chunk {
    use futures_util::StreamExt as _;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut stream = body.into_data_stream();
    let mut received = bytes::BytesMut::with_capacity(declared.unwrap_or(0).min(1 << 20));
    while let Some(frame) = stream.next().await {
        match frame {
            Ok(data) => received.extend_from_slice(&data),
            Err(_) => {
                return match declared {
                    Some(length) if received.len() < length => Chunk::Cut(received.freeze()),
                    _ => Chunk::Unreadable,
                };
            }
        }
    }
    Chunk::Whole(received.freeze())
}

/// Reads a chunk's headers: its type, `Upload-Offset` and the optional
/// `Upload-Checksum`. All of `PATCH`'s parsing.
pub(super) fn chunk_headers(headers: &HeaderMap) -> Result<(u64, Option<[u8; 32]>), AppError> {
    let content_type_ok = headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| v == OFFSET_OCTET_STREAM);
    if !content_type_ok {
        return Err(status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::BadRequest,
            format!("a PATCH carries `Content-Type: {OFFSET_OCTET_STREAM}`"),
        ));
    }
    let offset = header_u64(headers, &UPLOAD_OFFSET).ok_or_else(|| {
        AppError::BadRequest("send the chunk's position as `Upload-Offset`".to_owned())
    })?;
    let checksum = headers
        .get(UPLOAD_CHECKSUM)
        .map(|v| parse_checksum(v.to_str().unwrap_or_default()))
        .transpose()?;
    Ok((offset, checksum))
}

/// Whether `chunk`, sent for `offset`, may be appended to `upload`: it
/// starts where the upload stands, matches its checksum and ends within the
/// declared length. Returns where it ends.
pub(super) fn check_chunk(
    upload: &Upload,
    offset: u64,
    checksum: Option<[u8; 32]>,
    chunk: &[u8],
) -> Result<u64, AppError> {
    if offset != upload.offset {
        return Err(status_error(
            StatusCode::CONFLICT,
            ErrorKind::BadRequest,
            format!(
                "this chunk starts at byte {offset} but the server has {} — ask with HEAD and resume from there",
                upload.offset
            ),
        ));
    }
    if let Some(expected) = checksum {
        let actual: [u8; 32] = Sha256::digest(chunk).into();
        if actual != expected {
            return Err(checksum_mismatch(
                "this chunk does not match its `Upload-Checksum` — send it again".to_owned(),
            ));
        }
    }
    let end = offset + chunk.len() as u64;
    if end > upload.length {
        return Err(AppError::BadRequest(format!(
            "this chunk ends at byte {end}, past the upload's length {}",
            upload.length
        )));
    }
    Ok(end)
}

/// Appends `chunk` at the upload's offset and counts it; after the last
/// chunk, checks the whole file.
///
/// Runs inside a write transaction, which holds the database's one write
/// lock (across processes on PostgreSQL), so two PATCHes of one upload (a
/// client retrying while its first request is still in flight) never
/// interleave their writes: the second sees the first's offset and gets
/// 409. The price is that chunk writes are serialised with all other
/// writes; chunks are small and this is one fsync.
fn write_chunk(
    tx: &mut Tx<'_>,
    data_dir: &Path,
    id: &str,
    upload: &Upload,
    chunk: &[u8],
) -> Result<Result<Written, AppError>> {
    let part = part_path(data_dir, id);
    if let Some(dir) = part.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&part)?;
    let on_disk = file.metadata()?.len();
    if on_disk < upload.offset {
        // The bytes counted so far are not here: another server process
        // without this data directory took the earlier chunks, or the disk
        // lost them. Count only what is here and send the client back to it.
        let here = i64::try_from(on_disk).unwrap_or(0);
        tx.execute(
            "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
            args![here, id],
        )?;
        tracing::warn!(
            upload_id = id,
            on_disk,
            counted = upload.offset,
            "upload bytes missing; offset rewound"
        );
        return Ok(Err(AppError::Status {
            status: StatusCode::CONFLICT,
            kind: ErrorKind::BadRequest,
            message: format!(
                "this server has only {on_disk} bytes of the upload — ask with HEAD and resume from there"
            ),
        }));
    }
    // Bytes past the committed offset are from a chunk that was never
    // counted: drop them.
    file.set_len(upload.offset)?;
    file.seek(SeekFrom::Start(upload.offset))?;
    file.write_all(chunk)?;
    file.sync_data()?;
    drop(file);
    let end = upload.offset + chunk.len() as u64;
    let end_sql = i64::try_from(end).unwrap_or(i64::MAX);
    if end < upload.length {
        tx.execute(
            "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
            args![end_sql, id],
        )?;
        return Ok(Ok(Written::Partial));
    }
    let actual = sha256_file(&part)?;
    if actual != upload.sha256 {
        remove_if_present(&part)?;
        tx.execute("DELETE FROM uploads WHERE id = ?1", args![id])?;
        tracing::warn!(upload_id = id, "upload discarded: SHA-256 mismatch");
        return Ok(Err(checksum_mismatch(format!(
            "the uploaded file's SHA-256 is {actual}, not the declared {} — the upload was discarded; upload the photo again",
            upload.sha256
        ))));
    }
    // All bytes are here and right; `finish` moves them to the blob store.
    tx.execute(
        "UPDATE uploads SET upload_offset = ?1 WHERE id = ?2",
        args![end_sql, id],
    )?;
    Ok(Ok(Written::Full))
}

/// What a PATCH left behind.
enum Written {
    Partial,
    /// Every byte arrived and the file hashes to the declared SHA-256.
    Full,
}

/// Moves a full, verified upload into the blob store, records the photo
/// and marks the upload complete. Runs after the last PATCH, outside the
/// database lock (the blob store may be a remote bucket); HEAD runs it again
/// for an upload whose server stopped half-way through, so every step may
/// find its work done already.
async fn finish(market: &Market, id: &str, sha256: &str, length: u64) -> Result<()> {
    if !claim_finish(market, id).await? {
        return Ok(());
    }
    let part = part_path(market.data_dir(), id);
    if part.exists() {
        market.blobs().put_file(sha256, part).await?;
    }
    let now_ms = market.now_ms();
    let (id, sha256) = (id.to_owned(), sha256.to_owned());
    let size = i64::try_from(length).unwrap_or(i64::MAX);
    let handle = tokio::runtime::Handle::current();
    let store = market.blobs().clone();
    let policy = market.config().moderation;
    market
        .run(move |tx| {
            if blobs::admit(tx, &store, &handle, &sha256, size, &id, now_ms)? {
                tx.execute(
                    "UPDATE uploads SET completed_at = ?1 WHERE id = ?2",
                    args![now_ms, &id],
                )?;
                tracing::info!(upload_id = %id, %sha256, "photo stored");
                crate::listing_photos::apply_pending(tx, &sha256, policy, now_ms)?;
            } else {
                // The bytes are gone (cleaned up as they came) or the photo
                // was purged: forget the upload, so the device's next HEAD
                // (404) makes it start again (or the purge refuses it).
                tx.execute("DELETE FROM uploads WHERE id = ?1", args![&id])?;
                tracing::warn!(upload_id = %id, "upload lost its bytes; dropped");
            }
            Ok(())
        })
        .await
}
