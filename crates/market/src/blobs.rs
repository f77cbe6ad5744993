//! The blob store: photos, content-addressed under their SHA-256, at
//! `blobs/ab/abcdef….jpg` — in the data directory by default, or in an
//! S3-compatible bucket (`--blobs s3://bucket?endpoint=…`) so several server
//! processes can share them. A photo is stored once whoever uploads it, and
//! never changes. The `photos` table says which ones the store holds.
//!
//! The app's packages (`releases.rs`) are content-addressed in the same
//! store under keys of their own, `releases/ab/abcdef…` ([`release_key`]),
//! which no photo key can be: the clean-up, which goes by the `photos`
//! table, never sees them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::db::{Tx, args};
use anyhow::Context as _;
use axum::body::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _};
use sha2::{Digest as _, Sha256};

use crate::S3Blobs;
use crate::error::{Error, Result};

/// Where the photos are.
#[derive(Debug, Clone)]
pub(crate) enum BlobStore {
    /// `<data>/blobs`.
    Dir(PathBuf),
    /// A bucket; keys are `blobs/ab/abcdef….jpg` too.
    Object(Arc<dyn ObjectStore>),
}

impl BlobStore {
    /// The bucket `s3` names, or `<data_dir>/blobs` without one.
    ///
    /// `s3://BUCKET?endpoint=URL&region=REGION`; credentials not given come
    /// from the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
    /// environment variables, never from the command line. Path-style
    /// requests, so any S3-compatible server works; plain `http://`
    /// endpoints are allowed.
    pub(crate) fn open(data_dir: &Path, s3: Option<&S3Blobs>) -> anyhow::Result<BlobStore> {
        let Some(s3) = s3 else {
            return Ok(BlobStore::Dir(data_dir.join("blobs")));
        };
        let url = s3.url.as_str();
        let parsed = url::Url::parse(url).with_context(|| format!("`{url}` is not a URL"))?;
        anyhow::ensure!(
            parsed.scheme() == "s3",
            "`{url}`: only s3:// blob stores are supported — e.g. s3://photos?endpoint=http://127.0.0.1:9000"
        );
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .with_context(|| format!("`{url}` names no bucket — write s3://BUCKET"))?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_virtual_hosted_style_request(false);
        if let Some(key) = &s3.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &s3.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let mut region = None;
        for (key, value) in parsed.query_pairs() {
            match &*key {
                "endpoint" => {
                    builder = builder
                        .with_allow_http(value.starts_with("http://"))
                        .with_endpoint(value.into_owned());
                }
                "region" => region = Some(value.into_owned()),
                other => anyhow::bail!("`{url}`: unknown option `{other}` — use endpoint, region"),
            }
        }
        builder = builder.with_region(region.unwrap_or_else(|| "us-east-1".to_owned()));
        let store = builder
            .build()
            .with_context(|| format!("could not set up the blob store `{url}`"))?;
        Ok(BlobStore::Object(Arc::new(store)))
    }

    /// Moves the verified file at `from` into the store under `sha256`
    /// (or only removes it if the store has that photo already).
    pub(crate) async fn put_file(&self, sha256: &str, from: PathBuf) -> Result<()> {
        match self {
            BlobStore::Dir(dir) => {
                let to = dir.join(photo_key(sha256));
                tokio::task::spawn_blocking(move || move_file(&from, &to)).await??;
            }
            BlobStore::Object(store) => {
                let key = ObjectPath::from(photo_key(sha256));
                if !exists(store.as_ref(), &key).await? {
                    let file = match tokio::fs::File::open(&from).await {
                        Ok(file) => file,
                        // A concurrent `finish` of the same upload took it.
                        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                        Err(err) => return Err(err.into()),
                    };
                    let mut upload = Multipart::start(store, &key).await?;
                    let mut pieces = tokio_util::io::ReaderStream::with_capacity(file, PIECE);
                    while let Some(piece) = futures_util::StreamExt::next(&mut pieces).await {
                        match piece {
                            Ok(piece) => upload.put(piece).await?,
                            Err(err) => {
                                upload.abort().await;
                                return Err(err.into());
                            }
                        }
                    }
                    upload.finish().await?;
                }
                remove_if_present(&from)?;
            }
        }
        Ok(())
    }

    /// Copies the file at `from`, which stays where it is, into the store
    /// under `key`, hashing it on the way: if its bytes no longer hash to
    /// `sha256` (the file changed since it was hashed), nothing appears
    /// under `key`. A key the store holds already is left as it is: keys
    /// name their content. Streams, on disk and into a bucket (multipart):
    /// a package of hundreds of megabytes is never held whole in memory.
    pub(crate) async fn copy_in(&self, key: &str, from: &Path, sha256: &str) -> Result<()> {
        match self {
            BlobStore::Dir(dir) => {
                let (from, to, sha256) = (from.to_owned(), dir.join(key), sha256.to_owned());
                tokio::task::spawn_blocking(move || copy_file(&from, &to, &sha256)).await?
            }
            BlobStore::Object(store) => {
                let key = ObjectPath::from(key);
                if exists(store.as_ref(), &key).await? {
                    return Ok(());
                }
                let file = tokio::fs::File::open(from).await?;
                let mut upload = Multipart::start(store, &key).await?;
                let mut hasher = Sha256::new();
                let mut pieces = tokio_util::io::ReaderStream::with_capacity(file, PIECE);
                while let Some(piece) = futures_util::StreamExt::next(&mut pieces).await {
                    match piece {
                        Ok(piece) => {
                            hasher.update(&piece);
                            upload.put(piece).await?;
                        }
                        Err(err) => {
                            upload.abort().await;
                            return Err(err.into());
                        }
                    }
                }
                if hex::encode(hasher.finalize()) != sha256 {
                    upload.abort().await;
                    return Err(Error::PackageChanged(from.display().to_string()));
                }
                upload.finish().await
            }
        }
    }

    /// The bucket, when the photos go to one.
    pub(crate) fn bucket(&self) -> Option<&Arc<dyn ObjectStore>> {
        match self {
            BlobStore::Dir(_) => None,
            BlobStore::Object(store) => Some(store),
        }
    }

    /// Bytes `range` (inclusive) of the blob under `key` ([`photo_key`],
    /// [`release_key`]), as a stream of pieces of a few dozen kilobytes:
    /// serving a photo or a package never holds it whole in memory. `None`
    /// if the store lacks it.
    pub(crate) async fn stream(
        &self,
        key: &str,
        (start, end): (u64, u64),
    ) -> Result<Option<axum::body::Body>> {
        use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
        let len = end + 1 - start;
        match self {
            BlobStore::Dir(dir) => {
                let path = dir.join(key);
                let mut file = match tokio::fs::File::open(path).await {
                    Ok(file) => file,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(err) => return Err(err.into()),
                };
                file.seek(io::SeekFrom::Start(start)).await?;
                let pieces = tokio_util::io::ReaderStream::with_capacity(file.take(len), PIECE);
                Ok(Some(axum::body::Body::from_stream(pieces)))
            }
            BlobStore::Object(store) => {
                let key = ObjectPath::from(key);
                let options = object_store::GetOptions {
                    range: Some(object_store::GetRange::Bounded(start..end + 1)),
                    ..object_store::GetOptions::default()
                };
                match store.get_opts(&key, options).await {
                    Ok(found) => Ok(Some(axum::body::Body::from_stream(found.into_stream()))),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(err) => Err(err.into()),
                }
            }
        }
    }

    /// Removes the photo from the store (an operator's purge, or garbage
    /// collection). Removing a photo the store lacks is fine.
    pub(crate) async fn delete(&self, sha256: &str) -> Result<()> {
        match self {
            BlobStore::Dir(dir) => {
                let path = dir.join(photo_key(sha256));
                tokio::task::spawn_blocking(move || remove_if_present(&path)).await?
            }
            BlobStore::Object(store) => {
                match store.delete(&ObjectPath::from(photo_key(sha256))).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(err) => Err(err.into()),
                }
            }
        }
    }
}

async fn exists(store: &dyn ObjectStore, key: &ObjectPath) -> Result<bool> {
    match store.head(key).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Bytes read from disk per piece of a streamed photo.
const PIECE: usize = 64 * 1024;

/// Parts of a multipart upload to a bucket: S3's smallest part but the
/// last. A photo being stored holds at most two of them in memory.
pub(crate) const PART_BYTES: usize = 5 * 1024 * 1024;

/// A photo on its way into a bucket, part by part (S3 multipart), so
/// storing one never holds it whole in memory. Nothing appears under the
/// key until [`Multipart::finish`]; [`Multipart::abort`] leaves nothing.
pub(crate) struct Multipart {
    write: object_store::WriteMultipart,
}

impl Multipart {
    pub(crate) async fn start(store: &Arc<dyn ObjectStore>, key: &ObjectPath) -> Result<Multipart> {
        let upload = store.put_multipart(key).await?;
        Ok(Multipart {
            write: object_store::WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
        })
    }

    pub(crate) async fn put(&mut self, bytes: Bytes) -> Result<()> {
        // At most one part in flight while the next one fills.
        self.write.wait_for_capacity(1).await?;
        self.write.put(bytes);
        Ok(())
    }

    pub(crate) async fn finish(self) -> Result<()> {
        self.write.finish().await?;
        Ok(())
    }

    /// Best effort: a failure leaves an unfinished multipart upload, which
    /// holds no object and which bucket lifecycle rules clear.
    pub(crate) async fn abort(self) {
        if let Err(err) = self.write.abort().await {
            tracing::warn!(error = %err, "could not abort a multipart upload");
        }
    }
}

/// Whether `text` is a SHA-256 as this server writes them: 64 lowercase hex.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A photo's key: `ab/abcdef….jpg`, relative to the store's root.
/// `sha256` must pass [`is_sha256`].
pub(crate) fn photo_key(sha256: &str) -> String {
    format!("{}/{sha256}.jpg", &sha256[..2])
}

/// A package's key: `releases/ab/abcdef…`, relative to the store's root
/// (`<data>/blobs/releases/…` on disk). `sha256` must pass [`is_sha256`].
pub(crate) fn release_key(sha256: &str) -> String {
    format!("releases/{}/{sha256}", &sha256[..2])
}

/// Whether the store holds the photo, from blocking code inside a write
/// transaction: checking the bytes under the database's write lock is what
/// keeps a finishing upload and the clean-up (which deletes bytes under
/// that lock too) from recording a photo whose bytes are gone. `handle`
/// drives the bucket's client.
pub(crate) fn contains_blocking(
    store: &BlobStore,
    handle: &tokio::runtime::Handle,
    sha256: &str,
) -> Result<bool> {
    contains_key_blocking(store, handle, &photo_key(sha256))
}

/// [`contains_blocking`] for any key.
pub(crate) fn contains_key_blocking(
    store: &BlobStore,
    handle: &tokio::runtime::Handle,
    key: &str,
) -> Result<bool> {
    match store {
        BlobStore::Dir(dir) => Ok(dir.join(key).exists()),
        BlobStore::Object(bucket) => {
            handle.block_on(exists(bucket.as_ref(), &ObjectPath::from(key)))
        }
    }
}

/// Removes the photo's bytes from blocking code inside a write
/// transaction (see [`contains_blocking`]).
pub(crate) fn delete_blocking(
    store: &BlobStore,
    handle: &tokio::runtime::Handle,
    sha256: &str,
) -> Result<()> {
    delete_key_blocking(store, handle, &photo_key(sha256))
}

/// [`delete_blocking`] for any key.
pub(crate) fn delete_key_blocking(
    store: &BlobStore,
    handle: &tokio::runtime::Handle,
    key: &str,
) -> Result<()> {
    match store {
        BlobStore::Dir(dir) => remove_if_present(&dir.join(key)),
        BlobStore::Object(bucket) => match handle.block_on(bucket.delete(&ObjectPath::from(key))) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        },
    }
}

/// Records a finished upload's photo if it may be: its bytes are in the
/// store and no operator purged it (a purged photo's bytes, written again
/// by an upload that began before the purge, are removed). Run in the
/// write transaction that completes the upload. `false`: not recorded.
pub(crate) fn admit(
    tx: &mut Tx<'_>,
    store: &BlobStore,
    handle: &tokio::runtime::Handle,
    sha256: &str,
    size: i64,
    upload_id: &str,
    now_ms: i64,
) -> Result<bool> {
    if !crate::takedown::purged(tx, &[sha256.to_owned()])?.is_empty() {
        delete_blocking(store, handle, sha256)?;
        return Ok(false);
    }
    if !contains_blocking(store, handle, sha256)? {
        return Ok(false);
    }
    record(tx, sha256, size, upload_id, now_ms)?;
    Ok(true)
}

/// Records that the store holds the photo, stored by the upload
/// `upload_id` (whose cooperative's quota counts it, if it is the first).
/// A photo uploaded again starts its clean-up grace period over: its
/// device is about to show it.
fn record(tx: &mut Tx<'_>, sha256: &str, size: i64, upload_id: &str, now_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO photos (sha256, size, created_at, cooperative_id)
         VALUES (?1, ?2, ?3, (SELECT cooperative_id FROM uploads WHERE id = ?4))
         ON CONFLICT (sha256) DO UPDATE SET unreferenced_at = NULL",
        args![sha256, size, now_ms, upload_id],
    )?;
    Ok(())
}

/// [`record`] for a photo put into the store by the operator on behalf of
/// the cooperative `cooperative_id` (the demo catalog), not by an upload.
pub(crate) fn record_for(
    tx: &mut Tx<'_>,
    sha256: &str,
    size: i64,
    cooperative_id: uuid::Uuid,
    now_ms: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO photos (sha256, size, created_at, cooperative_id)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO UPDATE SET unreferenced_at = NULL",
        args![sha256, size, now_ms, &cooperative_id.to_string()],
    )?;
    Ok(())
}

/// Which of `hashes` the store lacks, in their order.
pub(crate) fn missing(tx: &mut Tx<'_>, hashes: &[String]) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for hash in hashes {
        let known = tx
            .query_opt("SELECT 1 FROM photos WHERE sha256 = ?1", args![hash])?
            .is_some();
        if !known && !missing.contains(hash) {
            missing.push(hash.clone());
        }
    }
    Ok(missing)
}

fn move_file(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        return remove_if_present(from);
    }
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    // Same filesystem (both under the data directory): atomic.
    match fs::rename(from, to) {
        Ok(()) => sync_dir(to.parent()).map_err(Error::from),
        // A concurrent `finish` of the same upload moved it first.
        Err(err) if err.kind() == io::ErrorKind::NotFound && to.exists() => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Copies `from` to `to` through a temporary file beside `to`, renamed once
/// complete and checked against `sha256` (see [`BlobStore::copy_in`]).
fn copy_file(from: &Path, to: &Path, sha256: &str) -> Result<()> {
    use std::io::{Read as _, Write as _};
    if to.exists() {
        return Ok(());
    }
    let dir = to
        .parent()
        .ok_or_else(|| Error::Io(io::ErrorKind::InvalidInput.into()))?;
    fs::create_dir_all(dir)?;
    let mut source = fs::File::open(from)?;
    let mut copy = tempfile::NamedTempFile::new_in(dir)?;
    let mut hasher = Sha256::new();
    let mut piece = vec![0; PIECE];
    loop {
        let read = source.read(&mut piece)?;
        if read == 0 {
            break;
        }
        hasher.update(&piece[..read]);
        copy.write_all(&piece[..read])?;
    }
    if hex::encode(hasher.finalize()) != sha256 {
        return Err(Error::PackageChanged(from.display().to_string()));
    }
    copy.as_file().sync_all()?;
    copy.persist(to).map_err(|err| Error::Io(err.error))?;
    sync_dir(Some(dir)).map_err(Error::from)
}

pub(crate) fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(Error::Io(err)),
        _ => Ok(()),
    }
}

/// Makes a rename durable: fsync the directory that holds the new name.
fn sync_dir(dir: Option<&Path>) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = dir {
        fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
