//! The blob store: photos, content-addressed under their SHA-256, at
//! `blobs/ab/abcdef….jpg` — in the data directory by default, or in an
//! S3-compatible bucket (`--blobs s3://bucket?endpoint=…`) so several server
//! processes can share them. A photo is stored once whoever uploads it, and
//! never changes. The `photos` table says which ones the store holds.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::db::{Tx, args};
use anyhow::Context as _;
use axum::body::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

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
                let to = dir.join(key_path(sha256));
                tokio::task::spawn_blocking(move || move_file(&from, &to)).await??;
            }
            BlobStore::Object(store) => {
                let key = ObjectPath::from(key_path(sha256));
                if !exists(store.as_ref(), &key).await? {
                    // At most MAX_UPLOAD_BYTES (64 MiB): one PUT.
                    let read = from.clone();
                    match tokio::task::spawn_blocking(move || fs::read(read)).await? {
                        Ok(bytes) => {
                            store.put(&key, PutPayload::from(bytes)).await?;
                        }
                        // A concurrent `finish` of the same upload took it.
                        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                        Err(err) => return Err(err.into()),
                    }
                }
                remove_if_present(&from)?;
            }
        }
        Ok(())
    }

    /// The photo's bytes, if the store has it.
    /// The bucket, when the photos go to one.
    pub(crate) fn bucket(&self) -> Option<&Arc<dyn ObjectStore>> {
        match self {
            BlobStore::Dir(_) => None,
            BlobStore::Object(store) => Some(store),
        }
    }

    /// Stores a photo from memory, unless the store has it already.
    pub(crate) async fn put_bytes(&self, sha256: &str, bytes: Vec<u8>) -> Result<()> {
        match self {
            BlobStore::Dir(dir) => {
                let to = dir.join(key_path(sha256));
                tokio::task::spawn_blocking(move || write_file(&to, &bytes)).await??;
            }
            BlobStore::Object(store) => {
                let key = ObjectPath::from(key_path(sha256));
                if !exists(store.as_ref(), &key).await? {
                    store.put(&key, PutPayload::from(bytes)).await?;
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn get(&self, sha256: &str) -> Result<Option<Bytes>> {
        match self {
            BlobStore::Dir(dir) => {
                let path = dir.join(key_path(sha256));
                let read = tokio::task::spawn_blocking(move || fs::read(path)).await?;
                match read {
                    Ok(bytes) => Ok(Some(Bytes::from(bytes))),
                    Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(err) => Err(err.into()),
                }
            }
            BlobStore::Object(store) => {
                let key = ObjectPath::from(key_path(sha256));
                match store.get(&key).await {
                    Ok(found) => Ok(Some(found.bytes().await?)),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(err) => Err(err.into()),
                }
            }
        }
    }

    /// Whether the store holds the photo.
    pub(crate) async fn contains(&self, sha256: &str) -> Result<bool> {
        match self {
            BlobStore::Dir(dir) => Ok(dir.join(key_path(sha256)).exists()),
            BlobStore::Object(store) => {
                exists(store.as_ref(), &ObjectPath::from(key_path(sha256))).await
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

/// Whether `text` is a SHA-256 as this server writes them: 64 lowercase hex.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `ab/abcdef….jpg`, relative to the store's root. `sha256` must pass
/// [`is_sha256`].
fn key_path(sha256: &str) -> String {
    format!("{}/{sha256}.jpg", &sha256[..2])
}

/// Records that the store holds the photo.
pub(crate) fn record(tx: &mut Tx<'_>, sha256: &str, size: i64, now_ms: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO photos (sha256, size, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (sha256) DO NOTHING",
        args![sha256, size, now_ms],
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

/// Writes `bytes` at `to` through a temporary file, fsynced, then renamed.
fn write_file(to: &Path, bytes: &[u8]) -> Result<()> {
    if to.exists() {
        return Ok(());
    }
    let dir = to.parent().expect("a blob path has a directory");
    fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    io::Write::write_all(&mut temp, bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(to).map_err(|err| Error::Io(err.error))?;
    sync_dir(Some(dir)).map_err(Error::from)
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
