//! Taking a bundle in (see the module above).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use protocol::{Hlc, ListingField};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::merge::{Taken, merge_into, take_new};
use super::{
    BundleError, BundlePhotos, BundleTaken, Extras, Row, copy_rows, open_bundle, read_header,
};
use crate::edits::parse_field;
use crate::error::Result;
use crate::listings::listing_in;
use crate::settings::SettingKey;
use crate::{Listing, ListingId, Store};

impl Store {
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
            // Nothing new for a listing here (a bundle taken again, or one
            // carrying what came from here): no merge to make.
            let photo_change = theirs.photos != super::split(&extras.photos_synced);
            if fresh.is_empty() && !photo_change && known_here(&tx, id)? {
                continue;
            }
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
pub(super) struct Derived(HashMap<String, (String, Vec<rusqlite::types::Value>)>);

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
    pub(super) fn all_here(&self, displays: &[String], files: &dyn BundlePhotos) -> bool {
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

fn known_here(tx: &Transaction<'_>, id: ListingId) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM listings WHERE id = ?1)")?
        .query_row([id.to_string()], |r| r.get(0))?)
}
