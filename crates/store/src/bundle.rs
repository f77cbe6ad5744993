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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use protocol::{Hlc, ListingField};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use uuid::Uuid;

use crate::edits::parse_field;
use crate::error::Result;
use crate::listings::{listing_in, write_insert, write_replace};
use crate::settings::SettingKey;
use crate::{Listing, ListingId, NewListing, Store};

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

impl Store {
    /// This installation's key (minted on first use; kept with the secrets,
    /// so a catalog restored elsewhere is another laptop).
    pub fn installation_key(&self) -> Result<String> {
        if let Some(key) = self.setting(SettingKey::DeviceKey)?
            && Uuid::parse_str(&key).is_ok()
        {
            return Ok(key);
        }
        let key = Uuid::now_v7().to_string();
        self.set_setting(SettingKey::DeviceKey, Some(&key))?;
        Ok(key)
    }

    /// Writes a bundle for the laptop with key `for_peer` (`None`: the one
    /// other laptop this one has exchanged with, if there is exactly one;
    /// else everything) to `path`, through `path.part` and a rename: a
    /// bundle file is whole or absent.
    pub fn export_bundle(
        &mut self,
        path: &Path,
        for_peer: Option<&str>,
        photos: &PhotoChoice,
        files: &dyn BundlePhotos,
        now_ms: i64,
    ) -> Result<BundleMade> {
        let cooperative = self
            .setting(SettingKey::CooperativeId)?
            .ok_or(BundleError::NotConnected)?;
        let key = self.installation_key()?;
        let name = self
            .setting(SettingKey::CooperativeName)?
            .map(|c| format!("{c} · {}", short(&key)))
            .unwrap_or_else(|| short(&key).to_owned());
        let (since, for_peer) = self.peer_watermark(for_peer)?;
        let for_peer = for_peer.as_deref();
        let part = part_path(path);
        remove_if_there(&part)?;

        self.conn
            .execute("ATTACH DATABASE ?1 AS bundle", [part.to_string_lossy()])?;
        let made = self.write_bundle(
            since,
            for_peer,
            &key,
            &name,
            &cooperative,
            photos,
            files,
            now_ms,
        );
        self.conn.execute("DETACH DATABASE bundle", [])?;
        let mut made = made?;
        let file = std::fs::File::open(&part)?;
        file.sync_all()?;
        made.bytes = file.metadata()?.len();
        drop(file);
        std::fs::rename(&part, path)?;
        sync_parent(path);
        Ok(made)
    }

    #[allow(clippy::too_many_arguments)]
    fn write_bundle(
        &mut self,
        since: i64,
        for_peer: Option<&str>,
        key: &str,
        name: &str,
        cooperative: &str,
        photos: &PhotoChoice,
        files: &dyn BundlePhotos,
        now_ms: i64,
    ) -> Result<BundleMade> {
        // The listings with rows since `since`, and those whose photos
        // changed here and are not sent yet.
        let mut chosen: Vec<String> = {
            let mut stmt = self.conn.prepare(
                "SELECT DISTINCT listing_id FROM outbox
                 WHERE seq > ?1 AND coalesce(fields, 'all') <> ''
                   AND (?2 = '' OR coalesce(came_from, '') <> ?2)",
            )?;
            stmt.query_map(params![since, for_peer.unwrap_or("")], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for set in self.photo_sets_to_send()? {
            let id = set.listing_id.to_string();
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS bundle_chosen (id TEXT PRIMARY KEY);
             DELETE FROM temp.bundle_chosen;",
        )?;
        {
            let mut add =
                tx.prepare("INSERT OR IGNORE INTO temp.bundle_chosen (id) VALUES (?1)")?;
            for id in &chosen {
                add.execute([id])?;
            }
        }
        tx.execute_batch(
            "CREATE TABLE bundle.bundle_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
             CREATE TABLE bundle.listings AS
               SELECT * FROM main.listings WHERE id IN (SELECT id FROM temp.bundle_chosen);
             CREATE TABLE bundle.listing_photos AS
               SELECT * FROM main.listing_photos WHERE listing_id IN (SELECT id FROM temp.bundle_chosen);
             CREATE TABLE bundle.artisans AS
               SELECT * FROM main.artisans WHERE id IN (SELECT artisan_id FROM bundle.listings);
             CREATE TABLE bundle.photo_derivatives AS
               SELECT * FROM main.photo_derivatives
               WHERE display_sha256 IN (SELECT sha256 FROM bundle.listing_photos);
             CREATE TABLE bundle.sales AS
               SELECT * FROM main.sales WHERE listing_id IN (SELECT id FROM temp.bundle_chosen);
             CREATE TABLE bundle.field_clocks (
               listing_id TEXT NOT NULL, field TEXT NOT NULL, hlc_ms INTEGER NOT NULL,
               hlc_counter INTEGER NOT NULL, PRIMARY KEY (listing_id, field));
             CREATE TABLE bundle.photo_files (sha256 TEXT PRIMARY KEY NOT NULL, bytes BLOB NOT NULL);",
        )?;
        // Rows from the laptop this is for stay here: it has them.
        tx.execute_batch("CREATE TABLE bundle.outbox AS SELECT * FROM main.outbox WHERE 0")?;
        tx.execute(
            "INSERT INTO bundle.outbox SELECT * FROM main.outbox
             WHERE listing_id IN (SELECT id FROM temp.bundle_chosen)
               AND seq > ?1 AND coalesce(fields, 'all') <> ''
               AND (?2 = '' OR coalesce(came_from, '') <> ?2)",
            params![since, for_peer.unwrap_or("")],
        )?;
        // Each field's clock here, from every row (not only those sent).
        {
            let mut clocks: BTreeMap<(String, ListingField), Hlc> = BTreeMap::new();
            let mut stmt = tx.prepare(
                "SELECT listing_id, fields, hlc_ms, hlc_counter FROM main.outbox
                 WHERE listing_id IN (SELECT id FROM temp.bundle_chosen) AND hlc_ms IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    Hlc {
                        ms: r.get(2)?,
                        counter: r.get(3)?,
                    },
                ))
            })?;
            for row in rows {
                let (listing, fields, hlc) = row?;
                for field in fields_of(fields.as_deref()) {
                    let at = clocks.entry((listing.clone(), field)).or_insert(hlc);
                    *at = (*at).max(hlc);
                }
            }
            let mut put = tx.prepare(
                "INSERT INTO bundle.field_clocks (listing_id, field, hlc_ms, hlc_counter) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for ((listing, field), hlc) in clocks {
                put.execute(params![
                    listing,
                    crate::field_name(field),
                    hlc.ms,
                    hlc.counter
                ])?;
            }
        }
        let mut photo_count = 0;
        if *photos != PhotoChoice::None {
            let hashes: Vec<String> = {
                let mut stmt = tx.prepare(
                    "SELECT sha256 FROM bundle.listing_photos
                     UNION SELECT thumb_sha256 FROM bundle.photo_derivatives",
                )?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut put =
                tx.prepare("INSERT INTO bundle.photo_files (sha256, bytes) VALUES (?1, ?2)")?;
            for sha in hashes {
                if let PhotoChoice::Except(has) = photos
                    && has.contains(&sha)
                {
                    continue;
                }
                if let Some(bytes) = files.read(&sha) {
                    put.execute(params![sha, bytes])?;
                    photo_count += 1;
                }
            }
        }
        let max_seq: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) FROM main.outbox", [], |r| {
                r.get(0)
            })?;
        let seen: BTreeMap<String, i64> = {
            let mut stmt = tx.prepare("SELECT key, their_seq FROM main.peers")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let has_photos: Vec<String> = {
            let mut stmt = tx.prepare("SELECT display_sha256 FROM main.photo_derivatives UNION SELECT thumb_sha256 FROM main.photo_derivatives")?;
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .filter_map(|r| r.ok())
                .filter(|sha| files.has(sha))
                .collect()
        };
        {
            let mut meta =
                tx.prepare("INSERT INTO bundle.bundle_meta (key, value) VALUES (?1, ?2)")?;
            for (k, v) in [
                ("format", FORMAT.to_owned()),
                ("key", key.to_owned()),
                ("name", name.to_owned()),
                ("cooperative_id", cooperative.to_owned()),
                ("made_at_ms", now_ms.to_string()),
                ("max_seq", max_seq.to_string()),
                (
                    "seen",
                    serde_json::to_string(&seen).unwrap_or_else(|_| "{}".into()),
                ),
                (
                    "has_photos",
                    serde_json::to_string(&has_photos).unwrap_or_else(|_| "[]".into()),
                ),
            ] {
                meta.execute((k, v))?;
            }
        }
        tx.execute(
            "INSERT OR IGNORE INTO main.shared_listings (listing_id) SELECT id FROM temp.bundle_chosen",
            [],
        )?;
        let count = |sql: &str| -> Result<usize> {
            Ok(tx.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize)
        };
        let made = BundleMade {
            listings: count("SELECT count(*) FROM bundle.listings")?,
            changes: count("SELECT count(*) FROM bundle.outbox")?,
            sales: count("SELECT count(*) FROM bundle.sales")?,
            photos: photo_count,
            bytes: 0,
        };
        tx.commit()?;
        Ok(made)
    }

    /// The outbox seq the other laptop has of ours (0: unknown), and its
    /// key: `for_peer`, else the one laptop this one has exchanged with.
    fn peer_watermark(&self, for_peer: Option<&str>) -> Result<(i64, Option<String>)> {
        let known: Vec<(String, i64)> = {
            let mut stmt = self.conn.prepare("SELECT key, our_seq FROM peers")?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        Ok(match for_peer {
            Some(key) => (
                known.iter().find(|(k, _)| k == key).map_or(0, |(_, s)| *s),
                Some(key.to_owned()),
            ),
            None if known.len() == 1 => (known[0].1, Some(known[0].0.clone())),
            None => (0, None),
        })
    }

    /// Takes a bundle in (see the module's doc): one transaction, after the
    /// photo files it carries are stored.
    pub fn import_bundle(
        &mut self,
        path: &Path,
        files: &mut dyn BundlePhotos,
        now_ms: i64,
    ) -> Result<BundleTaken> {
        let bundle = open_bundle(path)?;
        let header = read_header(&bundle)?;
        let ours = self
            .setting(SettingKey::CooperativeId)?
            .ok_or(BundleError::NotConnected)?;
        if header.cooperative_id != ours {
            return Err(BundleError::OtherCooperative.into());
        }
        let our_key = self.installation_key()?;
        if header.key == our_key {
            return Err(BundleError::FromThisLaptop.into());
        }
        let meta = |k: &str| -> Result<Option<String>> {
            Ok(bundle
                .query_row("SELECT value FROM bundle_meta WHERE key = ?1", [k], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        let max_seq: i64 = meta("max_seq")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let seen: BTreeMap<String, i64> = meta("seen")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();

        // Photo files first: a listing here never names a file not here.
        let mut photos = 0;
        {
            let mut stmt = bundle.prepare("SELECT sha256, bytes FROM photo_files")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let sha: String = row.get(0)?;
                if files.has(&sha) {
                    continue;
                }
                let bytes: Vec<u8> = row.get(1)?;
                files.write(&sha, &bytes)?;
                photos += 1;
            }
        }

        let listings: Vec<Listing> = {
            let sql = format!("{} ORDER BY l.rowid", crate::listings::SELECT_LISTING);
            let mut stmt = bundle.prepare(&sql)?;
            stmt.query_map([], crate::listings::listing_from_row)?
                .collect::<rusqlite::Result<_>>()
                .map_err(|_| BundleError::NotABundle)?
        };
        let mut rows: HashMap<String, Vec<Row>> = HashMap::new();
        {
            let mut stmt = bundle.prepare(
                "SELECT seq, change_id, listing_id, op, state, reason, created_at_ms, done_at_ms,
                        hlc_ms, hlc_counter, fields, stock_delta
                 FROM outbox ORDER BY seq",
            )?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                let hlc_ms: Option<i64> = r.get(8)?;
                let row = Row {
                    change_id: r.get(1)?,
                    op: r.get(3)?,
                    state: r.get(4)?,
                    reason: r.get(5)?,
                    created_at_ms: r.get(6)?,
                    done_at_ms: r.get(7)?,
                    hlc: hlc_ms.map(|ms| Hlc {
                        ms,
                        counter: r.get::<_, Option<u32>>(9).ok().flatten().unwrap_or(0),
                    }),
                    fields: r.get(10)?,
                    stock_delta: r.get(11)?,
                };
                rows.entry(r.get(2)?).or_default().push(row);
            }
        }
        let mut their_clocks: HashMap<String, BTreeMap<ListingField, Hlc>> = HashMap::new();
        {
            let mut stmt = bundle
                .prepare("SELECT listing_id, field, hlc_ms, hlc_counter FROM field_clocks")?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                let field: String = r.get(1)?;
                if let Some(field) = parse_field(&field) {
                    their_clocks.entry(r.get(0)?).or_default().insert(
                        field,
                        Hlc {
                            ms: r.get(2)?,
                            counter: r.get(3)?,
                        },
                    );
                }
            }
        }

        let mut taken = BundleTaken {
            from: header.name.clone(),
            photos,
            ..BundleTaken::default()
        };
        let tx = self.conn.transaction()?;
        copy_rows(
            &bundle,
            &tx,
            "SELECT id, name, village, craft, created_at_ms, updated_at_ms FROM artisans",
            "INSERT INTO artisans (id, name, village, craft, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
            6,
        )?;
        // A photo is known here only with both its files here: a pull that
        // names one known without its files would never download them.
        let derived = Derived::read(&bundle)?;
        derived.record_complete(&tx, &*files)?;
        // The clock moves past every edit that came in first: the rows of
        // this laptop's own written below come after them.
        let newest = rows.values().flatten().filter_map(|r| r.hlc).max();
        if let Some(hlc) = newest {
            crate::hlc::observe(&tx, hlc, now_ms)?;
        }
        for theirs in &listings {
            let id = theirs.id;
            let their_rows = rows.remove(&id.to_string()).unwrap_or_default();
            let mut fresh = Vec::with_capacity(their_rows.len());
            for row in their_rows {
                if !has_change(&tx, &row.change_id)? {
                    fresh.push(row);
                }
            }
            let clocks = their_clocks.remove(&id.to_string()).unwrap_or_default();
            let extras = extras(&bundle, id, &header.key)?;
            let outcome = match listing_in(&tx, id)? {
                None => take_new(&tx, theirs, &extras, &fresh, &derived, &*files)?,
                Some(ours) => merge_into(
                    &tx, &ours, theirs, &extras, &clocks, &fresh, &derived, &*files, now_ms,
                )?,
            };
            match outcome {
                Taken::New => taken.new_listings += 1,
                Taken::Updated => taken.updated_listings += 1,
                Taken::Same => {}
            }
            taken.changes += fresh.len();
            tx.execute(
                "INSERT OR IGNORE INTO shared_listings (listing_id) VALUES (?1)",
                [id.to_string()],
            )?;
        }
        {
            let mut stmt = bundle.prepare(
                "SELECT id, listing_id, quantity, unit_price_centimes, note, sold_at_ms, undone_at_ms FROM sales",
            )?;
            let mut q = stmt.query([])?;
            let mut put = tx.prepare(
                "INSERT INTO sales (id, listing_id, quantity, unit_price_centimes, note, sold_at_ms, undone_at_ms)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM listings WHERE id = ?2)
                 ON CONFLICT (id) DO UPDATE SET undone_at_ms = coalesce(sales.undone_at_ms, excluded.undone_at_ms)
                 WHERE sales.undone_at_ms IS NULL AND excluded.undone_at_ms IS NOT NULL",
            )?;
            while let Some(r) = q.next()? {
                let is_new: bool = tx.query_row(
                    "SELECT NOT EXISTS (SELECT 1 FROM sales WHERE id = ?1)",
                    [r.get::<_, String>(0)?],
                    |r| r.get(0),
                )?;
                let changed = put.execute(params![
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ])?;
                if is_new && changed > 0 {
                    taken.sales += 1;
                }
            }
        }
        tx.execute(
            "INSERT INTO peers (key, name, their_seq, our_seq, last_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (key) DO UPDATE SET name = excluded.name,
               their_seq = max(peers.their_seq, excluded.their_seq),
               our_seq = max(peers.our_seq, excluded.our_seq),
               last_at_ms = excluded.last_at_ms",
            params![
                header.key,
                header.name,
                max_seq,
                seen.get(&our_key).copied().unwrap_or(0),
                now_ms
            ],
        )?;
        tx.commit()?;
        Ok(taken)
    }
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

/// What happened to one listing of a bundle here.
enum Taken {
    New,
    Updated,
    Same,
}

/// A listing this laptop did not have: taken as it is there, with its rows.
fn take_new(
    tx: &Transaction<'_>,
    theirs: &Listing,
    extras: &Extras,
    fresh: &[Row],
    derived: &Derived,
    files: &dyn BundlePhotos,
) -> Result<Taken> {
    let id = theirs.id;
    // Its photos as there if their files came; else none until a pull
    // brings the marketplace's list (and downloads its files): nothing
    // here names a file not here, nor sends a list it cannot upload.
    let (photos, synced) = if derived.all_here(&theirs.photos, files) {
        (theirs.photos.clone(), extras.photos_synced.clone())
    } else {
        (Vec::new(), String::new())
    };
    let mut input = theirs.to_input();
    input.photos = photos;
    write_insert(tx, id, &NewListing::validate(input)?, theirs.created_at_ms)?;
    tx.execute(
        "UPDATE listings SET updated_at_ms = ?2, deleted_at_ms = ?3, server_version = ?4,
           moderation = ?5, rejection_reason = ?6, photos_synced = ?7 WHERE id = ?1",
        params![
            id.to_string(),
            theirs.updated_at_ms,
            extras.deleted_at_ms,
            extras.server_version,
            extras.moderation,
            extras.rejection_reason,
            synced,
        ],
    )?;
    if extras.deleted_at_ms.is_some() {
        tx.execute(
            "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
            [id.to_string()],
        )?;
    }
    let mut waiting = false;
    for row in fresh {
        insert_row(
            tx,
            id,
            row,
            &row.op,
            &row.state,
            row.fields.as_deref(),
            row.stock_delta,
            &extras.from,
        )?;
        waiting |= row.state == "pending";
    }
    if waiting {
        let op = if extras.deleted_at_ms.is_some() {
            "delete"
        } else {
            "upsert"
        };
        carrier(tx, id, op, theirs.updated_at_ms)?;
    }
    Ok(Taken::New)
}

/// A listing both laptops have: merged field by field (see the module's doc).
#[allow(clippy::too_many_arguments)]
fn merge_into(
    tx: &Transaction<'_>,
    ours: &Listing,
    theirs: &Listing,
    extras: &Extras,
    their_clocks: &BTreeMap<ListingField, Hlc>,
    fresh: &[Row],
    derived: &Derived,
    files: &dyn BundlePhotos,
    now_ms: i64,
) -> Result<Taken> {
    let id = ours.id;
    let our_clocks = field_clocks(tx, id)?;
    let alive = !ours.deleted;
    // A field goes their way when their edit of it is later than ours and
    // came now (an edit seen before was weighed then).
    let won: Vec<ListingField> = if alive {
        ListingField::ALL
            .into_iter()
            .filter(|&f| f != ListingField::Stock)
            .filter(|f| {
                let theirs = their_clocks.get(f);
                theirs.is_some()
                    && theirs > our_clocks.get(f)
                    && fresh
                        .iter()
                        .any(|r| r.hlc.as_ref() == theirs && r.sets().contains(f))
            })
            .collect()
    } else {
        Vec::new()
    };
    let delta: i64 = if alive {
        fresh
            .iter()
            .filter(|r| r.state == "pending")
            .filter_map(Row::stock_delta)
            .fold(0i64, i64::saturating_add)
    } else {
        0
    };
    let deleted_there = alive && theirs.deleted && fresh.iter().any(|r| r.op == "delete");
    let mut changed = false;
    if deleted_there {
        tx.execute(
            "DELETE FROM listings_fts WHERE rowid = (SELECT rowid FROM listings WHERE id = ?1)",
            [id.to_string()],
        )?;
        tx.execute(
            "UPDATE listings SET deleted_at_ms = ?2, updated_at_ms = ?2 WHERE id = ?1",
            (id.to_string(), now_ms),
        )?;
        changed = true;
    } else if alive {
        let mut input = ours.to_input();
        let there = theirs.to_input();
        for field in &won {
            take_field(&mut input, &there, *field);
        }
        if delta != 0 {
            input.stock = (i64::from(ours.stock) + delta).clamp(0, i64::from(u32::MAX)) as u32;
        }
        // Their photo change (their list against what their marketplace
        // had) applied to ours, when the files it adds are here.
        let their_base = split(&extras.photos_synced);
        let added: Vec<String> = theirs
            .photos
            .iter()
            .filter(|p| !their_base.contains(p))
            .cloned()
            .collect();
        if theirs.photos != their_base && derived.all_here(&added, files) {
            input.photos = apply_photo_change(&ours.photos, &their_base, &theirs.photos);
        }
        if input != ours.to_input() {
            write_replace(tx, id, &NewListing::validate(input)?, now_ms)?;
            changed = true;
        }
    }
    let mut waiting = false;
    for row in fresh {
        let mut claims: Vec<ListingField> = row
            .sets()
            .into_iter()
            .filter(|f| won.contains(f) && row.hlc.as_ref() == their_clocks.get(f))
            .collect();
        let delta = (alive && row.state == "pending")
            .then(|| row.stock_delta())
            .flatten();
        if delta.is_some() {
            claims.push(ListingField::Stock);
        }
        claims.sort();
        let op = if row.op == "delete" && deleted_there {
            "delete"
        } else {
            "upsert"
        };
        let effective = !claims.is_empty() || op == "delete";
        let state = if effective {
            row.state.as_str()
        } else {
            "sent"
        };
        let fields = claims
            .iter()
            .map(|&f| crate::field_name(f))
            .collect::<Vec<_>>()
            .join(",");
        insert_row(tx, id, row, op, state, Some(&fields), delta, &extras.from)?;
        waiting |= effective && state == "pending";
    }
    if waiting {
        let deleted = ours.deleted || deleted_there;
        carrier(tx, id, if deleted { "delete" } else { "upsert" }, now_ms)?;
    }
    Ok(if changed { Taken::Updated } else { Taken::Same })
}

/// The other laptop's photo change (`base` → `theirs`) applied to `ours`:
/// the photos it removed go, those it added come after ours; a photo added
/// here meanwhile stays. With no change here (`ours == base`): theirs,
/// order included. Pure.
fn apply_photo_change(ours: &[String], base: &[String], theirs: &[String]) -> Vec<String> {
    if ours == base {
        return theirs.to_vec();
    }
    let mut merged: Vec<String> = ours
        .iter()
        .filter(|p| theirs.contains(p) || !base.contains(p))
        .cloned()
        .collect();
    for p in theirs {
        if !base.contains(p) && !merged.contains(p) {
            merged.push(p.clone());
        }
    }
    merged
}

/// Copies one field's value from `from` into `into`.
fn take_field(into: &mut crate::ListingInput, from: &crate::ListingInput, field: ListingField) {
    match field {
        ListingField::Title => into.titles = from.titles.clone(),
        ListingField::Price => into.price = from.price,
        ListingField::Description => into.descriptions = from.descriptions.clone(),
        ListingField::Category => into.category = from.category,
        ListingField::Stock => into.stock = from.stock,
        ListingField::Unit => into.unit = from.unit,
        ListingField::Dimensions => into.dimensions = from.dimensions.clone(),
        ListingField::WeightGrams => into.weight_grams = from.weight_grams,
        ListingField::Materials => into.materials = from.materials.clone(),
        ListingField::Origin => into.origin = from.origin.clone(),
        ListingField::Region => into.region = from.region.clone(),
        ListingField::Tags => into.tags = from.tags.clone(),
        ListingField::Artisan => into.artisan = from.artisan,
        ListingField::Status => into.status = from.status,
    }
}

/// Each field's clock here: the latest edit of it among the listing's rows.
fn field_clocks(tx: &Transaction<'_>, id: ListingId) -> Result<BTreeMap<ListingField, Hlc>> {
    let mut clocks = BTreeMap::new();
    let mut stmt = tx.prepare_cached(
        "SELECT fields, hlc_ms, hlc_counter FROM outbox WHERE listing_id = ?1 AND hlc_ms IS NOT NULL",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            Hlc {
                ms: r.get(1)?,
                counter: r.get(2)?,
            },
        ))
    })?;
    for row in rows {
        let (fields, hlc) = row?;
        for field in fields_of(fields.as_deref()) {
            let at = clocks.entry(field).or_insert(hlc);
            *at = (*at).max(hlc);
        }
    }
    Ok(clocks)
}

fn fields_of(fields: Option<&str>) -> Vec<ListingField> {
    match fields {
        None => ListingField::ALL.to_vec(),
        Some(f) => f.split(',').filter_map(parse_field).collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn insert_row(
    tx: &Transaction<'_>,
    id: ListingId,
    row: &Row,
    op: &str,
    state: &str,
    fields: Option<&str>,
    stock_delta: Option<i64>,
    came_from: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (change_id, listing_id, op, created_at_ms, state, reason, done_at_ms,
           hlc_ms, hlc_counter, fields, stock_delta, came_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            row.change_id,
            id.to_string(),
            op,
            row.created_at_ms,
            state,
            row.reason,
            row.done_at_ms,
            row.hlc.map(|h| h.ms),
            row.hlc.map(|h| h.counter),
            fields,
            stock_delta,
            came_from,
        ],
    )?;
    Ok(())
}

/// A row of this laptop's own, no fields, after rows taken in that wait
/// to be sent: the next push goes under its fresh change id.
fn carrier(tx: &Transaction<'_>, id: ListingId, op: &str, now_ms: i64) -> Result<()> {
    let hlc = crate::hlc::tick(tx, now_ms)?;
    tx.execute(
        "INSERT INTO outbox (change_id, listing_id, op, created_at_ms, hlc_ms, hlc_counter, fields, stock_delta)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', NULL)",
        params![
            Uuid::now_v7().to_string(),
            id.to_string(),
            op,
            now_ms,
            hlc.ms,
            hlc.counter
        ],
    )?;
    Ok(())
}

fn has_change(tx: &Transaction<'_>, change_id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE change_id = ?1)")?
        .query_row([change_id], |r| r.get(0))?)
}

fn extras(bundle: &Connection, id: ListingId, from: &str) -> Result<Extras> {
    Ok(bundle.query_row(
        "SELECT deleted_at_ms, server_version, moderation, rejection_reason, photos_synced
         FROM listings WHERE id = ?1",
        [id.to_string()],
        |r| {
            Ok(Extras {
                from: from.to_owned(),
                deleted_at_ms: r.get(0)?,
                server_version: r.get(1)?,
                moderation: r.get(2)?,
                rejection_reason: r.get(3)?,
                photos_synced: r.get(4)?,
            })
        },
    )?)
}

/// The bundle's photos: display → thumbnail, and the row describing them.
struct Derived(HashMap<String, (String, Vec<rusqlite::types::Value>)>);

impl Derived {
    fn read(bundle: &Connection) -> Result<Derived> {
        let mut map = HashMap::new();
        let mut stmt = bundle.prepare(
            "SELECT display_sha256, thumb_sha256, width, height, source_name, imported_at_ms
             FROM photo_derivatives",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let values: Vec<rusqlite::types::Value> = (0..6)
                .map(|i| row.get(i))
                .collect::<rusqlite::Result<_>>()?;
            map.insert(row.get(0)?, (row.get(1)?, values));
        }
        Ok(Derived(map))
    }

    /// Whether every photo of `displays` has both its files here.
    fn all_here(&self, displays: &[String], files: &dyn BundlePhotos) -> bool {
        displays
            .iter()
            .all(|d| files.has(d) && self.0.get(d).is_some_and(|(thumb, _)| files.has(thumb)))
    }

    /// Records the photos whose files are both here.
    fn record_complete(&self, tx: &Transaction<'_>, files: &dyn BundlePhotos) -> Result<()> {
        let mut put = tx.prepare_cached(
            "INSERT INTO photo_derivatives (display_sha256, thumb_sha256, width, height, source_name, imported_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (display_sha256) DO NOTHING",
        )?;
        for (display, (thumb, values)) in &self.0 {
            if files.has(display) && files.has(thumb) {
                put.execute(rusqlite::params_from_iter(values))?;
            }
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::apply_photo_change;

    fn v(s: &str) -> Vec<String> {
        s.split(' ')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_photo_change_from_the_other_laptop_keeps_ours() {
        // Nothing changed here: theirs, order included.
        assert_eq!(
            apply_photo_change(&v("a b"), &v("a b"), &v("b a c")),
            v("b a c")
        );
        // A photo added here that they never saw stays; theirs removed b.
        assert_eq!(
            apply_photo_change(&v("a b p"), &v("a b"), &v("a")),
            v("a p")
        );
        // They added c while we added p: both.
        assert_eq!(
            apply_photo_change(&v("a p"), &v("a"), &v("a c")),
            v("a p c")
        );
        // Their base lacks a photo we synced since (p): it is not theirs to remove.
        assert_eq!(
            apply_photo_change(&v("a p"), &v("a"), &v("c a")),
            v("a p c")
        );
    }
}
