//! Writing a bundle (see the module above).

use std::collections::BTreeMap;
use std::path::Path;

use protocol::{Hlc, ListingField};
use rusqlite::params;
use uuid::Uuid;

use super::{
    BundleError, BundleMade, BundlePhotos, FORMAT, PhotoChoice, fields_of, part_path,
    remove_if_there, short, sync_parent,
};
use crate::Store;
use crate::error::Result;
use crate::settings::SettingKey;

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
        // The store's own reads of these tables (`SELECT_LISTING`'s
        // correlated subqueries) go by listing: indexed, as in a catalog.
        tx.execute_batch(
            "CREATE INDEX bundle.bundle_outbox_by_listing ON outbox (listing_id, seq);
             CREATE INDEX bundle.bundle_photos_by_listing ON listing_photos (listing_id, position);",
        )?;
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
}
