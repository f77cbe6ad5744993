//! Changes carried from one laptop of a cooperative to another without the
//! marketplace: a *bundle* is a SQLite file (written here through `ATTACH`)
//! holding this laptop's outbox rows since what the other laptop last said
//! it had, the listings they touch as they are here, each field's clock,
//! the sales behind them, and optionally the photo files. The stand's
//! network exchange (`peer` crate) sends the same files.
//!
//! Taking a bundle in merges like the marketplace does, so that whichever
//! laptop reaches the marketplace first, nothing is counted twice:
//! - each outbox row keeps its change id; a row this laptop already has is
//!   skipped (importing a bundle twice changes nothing);
//! - a field takes the other laptop's value when the clock of the edit that
//!   set it there is later than here (last writer wins per field), and the
//!   imported row then claims that field; a row whose fields all lost here
//!   is kept only as a record (`sent`, no fields) and never goes out;
//! - stock moves by the other laptop's unsent sales and restocks (deltas),
//!   never by a whole value, and those rows keep their change ids: pushed
//!   from here they are stock parts the marketplace counts once;
//! - a listing new here is taken whole, with its rows as they are there;
//! - every listing that received rows still to send gets one more row of
//!   this laptop's own (fresh change id, no fields): the next push goes
//!   under an id the marketplace has never seen, so it can never be
//!   answered `duplicate` because the other laptop pushed first.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use protocol::{Hlc, ListingField};
use rusqlite::{Connection, OpenFlags, Transaction};

use crate::edits::parse_field;
use crate::error::Result;

/// The bundle format this build writes and reads.
const FORMAT: &str = "hanout-bundle-1";

/// Photo files a bundle is written with or taken from: the laptop's photo
/// store (the `photos` crate owns its layout).
pub trait BundlePhotos {
    /// The file's bytes, if this laptop has it.
    fn read(&self, sha256: &str) -> Option<Vec<u8>>;
    /// Whether this laptop has the file.
    fn has(&self, sha256: &str) -> bool;
    /// Stores a file taken from a bundle (checked against its hash).
    fn write(&mut self, sha256: &str, bytes: &[u8]) -> std::io::Result<()>;
}

/// Which photo files a bundle carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PhotoChoice {
    /// None: the other laptop fetches them from the marketplace later.
    None,
    /// Every photo of the listings the bundle carries.
    #[default]
    All,
    /// Those but the ones the other laptop said it has.
    Except(HashSet<String>),
}

/// What went into a bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleMade {
    pub listings: usize,
    pub changes: usize,
    pub sales: usize,
    pub photos: usize,
    pub bytes: u64,
}

/// What taking a bundle did here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleTaken {
    /// The other laptop's name, as it calls itself.
    pub from: String,
    /// Listings this laptop did not have.
    pub new_listings: usize,
    /// Listings whose content, stock or photos changed here.
    pub updated_listings: usize,
    /// Changes not seen before (a bundle taken twice: 0 the second time).
    pub changes: usize,
    pub sales: usize,
    pub photos: usize,
}

/// Who a bundle is from, read before taking it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleHeader {
    pub key: String,
    pub name: String,
    pub cooperative_id: String,
    pub made_at_ms: i64,
    /// The photo files the sending laptop has (only in exchanges over the
    /// network, where the answer can leave them out).
    pub has_photos: Option<HashSet<String>>,
}

/// Why a bundle cannot be made or taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("connect this laptop to the cooperative's marketplace account first")]
    NotConnected,
    #[error("this file is not a Hanout bundle, or it is damaged")]
    NotABundle,
    #[error("this bundle was made by a newer version of Hanout; update Hanout on this laptop")]
    TooNew,
    #[error("this bundle is from another cooperative")]
    OtherCooperative,
    #[error("this bundle was made on this laptop")]
    FromThisLaptop,
}

/// One outbox row as a bundle carries it.
#[derive(Debug, Clone)]
struct Row {
    change_id: String,
    op: String,
    state: String,
    reason: Option<String>,
    created_at_ms: i64,
    done_at_ms: Option<i64>,
    hlc: Option<Hlc>,
    fields: Option<String>,
    stock_delta: Option<i64>,
}

impl Row {
    fn sets(&self) -> Vec<ListingField> {
        match &self.fields {
            None => ListingField::ALL.to_vec(),
            Some(f) => f.split(',').filter_map(parse_field).collect(),
        }
    }

    fn stock_delta(&self) -> Option<i64> {
        match &self.fields {
            Some(_) if self.sets().contains(&ListingField::Stock) => self.stock_delta,
            _ => None,
        }
    }
}

/// A listing's extra columns taken whole when it is new here.
struct Extras {
    /// The key of the laptop the bundle came from.
    from: String,
    deleted_at_ms: Option<i64>,
    server_version: Option<i64>,
    moderation: Option<String>,
    rejection_reason: Option<String>,
    photos_synced: String,
}

/// Reads who a bundle is from, without taking it in.
pub fn read_bundle_header(path: &Path) -> Result<BundleHeader> {
    read_header(&open_bundle(path)?)
}

fn open_bundle(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|_| BundleError::NotABundle)?;
    Ok(conn)
}

fn read_header(conn: &Connection) -> Result<BundleHeader> {
    let meta: BTreeMap<String, String> = {
        let mut stmt = conn
            .prepare("SELECT key, value FROM bundle_meta")
            .map_err(|_| BundleError::NotABundle)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(|_| BundleError::NotABundle)?
    };
    match meta.get("format").map(String::as_str) {
        Some(FORMAT) => {}
        Some(other) if other.starts_with("hanout-bundle-") => {
            return Err(BundleError::TooNew.into());
        }
        _ => return Err(BundleError::NotABundle.into()),
    }
    let get = |k: &str| meta.get(k).cloned().ok_or(BundleError::NotABundle);
    Ok(BundleHeader {
        key: get("key")?,
        name: get("name")?,
        cooperative_id: get("cooperative_id")?,
        made_at_ms: get("made_at_ms")?.parse().unwrap_or(0),
        has_photos: meta
            .get("has_photos")
            .and_then(|s| serde_json::from_str(s).ok()),
    })
}

fn fields_of(fields: Option<&str>) -> Vec<ListingField> {
    match fields {
        None => ListingField::ALL.to_vec(),
        Some(f) => f.split(',').filter_map(parse_field).collect(),
    }
}

fn copy_rows(
    from: &Connection,
    to: &Transaction<'_>,
    select: &str,
    insert: &str,
    columns: usize,
) -> Result<()> {
    let mut stmt = from.prepare(select)?;
    let mut put = to.prepare(insert)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let values: Vec<rusqlite::types::Value> = (0..columns)
            .map(|i| row.get(i))
            .collect::<rusqlite::Result<_>>()?;
        put.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}

fn split(key: &str) -> Vec<String> {
    key.split(',')
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect()
}

fn short(key: &str) -> &str {
    key.get(key.len().saturating_sub(6)..).unwrap_or(key)
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent()
        && let Ok(dir) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

mod export;
mod import;
mod merge;
