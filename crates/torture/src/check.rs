//! The checker: from the outside only — each laptop through `hanout`'s
//! JSON and its photo files, the marketplace through its HTTP API as a
//! third device of the cooperative (pull, photos) and as the public.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::model::{FIELDS, Model, laptop_field, server_field, tag_of};
use crate::procs::Laptop;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lost,
    Duplicated,
    Diverged,
    Corrupt,
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lost => "lost",
            Kind::Duplicated => "duplicated",
            Kind::Diverged => "diverged",
            Kind::Corrupt => "corrupt",
            Kind::Other => "other",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: Kind,
    pub what: String,
}

impl Problem {
    pub fn other(what: String) -> Problem {
        Problem {
            kind: Kind::Other,
            what,
        }
    }
    pub fn diverged(what: String) -> Problem {
        Problem {
            kind: Kind::Diverged,
            what,
        }
    }
    fn new(kind: Kind, what: String) -> Problem {
        Problem { kind, what }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// Listings the marketplace holds (not deleted).
    pub listings: u64,
    /// Bytes of the distinct photo files (displays and thumbnails) it holds.
    pub photo_bytes: u64,
}

/// The checker's own device: enrolled with its own code, it pulls the
/// cooperative's whole feed (drafts, archived and rejected listings too).
#[derive(Clone)]
pub struct Observer {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Observer {
    pub async fn enroll(base: &str, code: &str) -> Result<Observer> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        let answer: Value = client
            .post(format!("{base}/v1/enroll"))
            .json(&json!({ "code": code, "device_name": "torture checker" }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(Observer {
            base: base.to_owned(),
            token: answer["token"].as_str().context("token")?.to_owned(),
            client,
        })
    }

    /// The latest state of every listing the cooperative ever pushed.
    pub async fn listings(&self) -> Result<Vec<Value>> {
        let mut since: Option<String> = None;
        let mut latest: BTreeMap<String, Value> = BTreeMap::new();
        let mut seen_ids = 0usize;
        loop {
            let mut url = format!("{}/v1/pull?limit=500", self.base);
            if let Some(s) = &since {
                url.push_str(&format!("&since={s}"));
            }
            let page: Value = self
                .client
                .get(url)
                .bearer_auth(&self.token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            for change in page["changes"].as_array().into_iter().flatten() {
                let id = change["listing_id"].as_str().context("listing_id")?;
                seen_ids += 1;
                latest.insert(id.to_owned(), change.clone());
            }
            since = page["cursor"].as_str().map(str::to_owned);
            if !page["more"].as_bool().unwrap_or(false) {
                break;
            }
        }
        // One feed entry per listing: a listing listed twice would be a
        // duplicate in the feed itself.
        if seen_ids != latest.len() {
            bail!(
                "the pull feed named {seen_ids} entries for {} listings",
                latest.len()
            );
        }
        Ok(latest.into_values().collect())
    }

    async fn photo(&self, sha: &str) -> Result<Vec<u8>> {
        Ok(self
            .client
            .get(format!("{}/photos/{sha}.jpg", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?
            .to_vec())
    }

    async fn public_status(&self, id: &str) -> Result<u16> {
        Ok(self
            .client
            .get(format!("{}/v1/listings/{id}", self.base))
            .send()
            .await?
            .status()
            .as_u16())
    }
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn photo_list(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            p.as_str()
                .or_else(|| p["display"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

pub async fn check(
    laptops: &[Arc<Laptop>; 2],
    observer: &Observer,
    model: &mut Model,
) -> Result<Report> {
    let mut problems = Vec::new();
    let mut problem = |kind, what: String| problems.push(Problem::new(kind, what));
    let mut photo_bytes = 0u64;

    let server = observer.listings().await?;
    let on_laptops = [laptops[0].listings().await?, laptops[1].listings().await?];
    for (i, listings) in on_laptops.iter().enumerate() {
        model.seen(i, listings);
    }

    // By tag, everywhere: a tag twice is a listing published twice.
    let mut server_by_tag: BTreeMap<String, &Value> = BTreeMap::new();
    let mut thumbs: BTreeMap<String, String> = BTreeMap::new();
    for l in &server {
        let id = l["listing_id"].as_str().unwrap_or("?");
        if l["deleted"].as_bool().unwrap_or(false) {
            continue;
        }
        let Some(tag) = l["listing"]["title"]["en"].as_str().and_then(tag_of) else {
            problem(
                Kind::Other,
                format!("server listing {id} carries no tag: {l}"),
            );
            continue;
        };
        if let Some(other) = server_by_tag.insert(tag.clone(), l) {
            problem(
                Kind::Duplicated,
                format!(
                    "{tag} is on the server twice: {id} and {}",
                    other["listing_id"]
                ),
            );
        }
        for p in l["photos"].as_array().into_iter().flatten() {
            if let (Some(d), Some(t)) = (p["display"].as_str(), p["thumb"].as_str()) {
                thumbs.insert(d.to_owned(), t.to_owned());
            }
        }
    }
    let listings = server_by_tag.len() as u64;
    let mut laptop_by_tag: [BTreeMap<String, &Value>; 2] = Default::default();
    for (i, listings) in on_laptops.iter().enumerate() {
        for l in listings {
            let id = l["id"].as_str().unwrap_or("?");
            let Some(tag) = l["titles"]["en"].as_str().and_then(tag_of) else {
                problem(
                    Kind::Other,
                    format!("laptop {i} listing {id} carries no tag"),
                );
                continue;
            };
            if let Some(other) = laptop_by_tag[i].insert(tag.clone(), l) {
                problem(
                    Kind::Duplicated,
                    format!("{tag} is on laptop {i} twice: {id} and {}", other["id"]),
                );
            }
        }
    }

    for (tag, e) in &model.listings {
        let on_server = server_by_tag.get(tag);
        let here = [laptop_by_tag[0].get(tag), laptop_by_tag[1].get(tag)];
        if e.gone_for_good {
            if on_server.is_some() || here.iter().any(Option::is_some) {
                problem(
                    Kind::Diverged,
                    format!("{tag} was deleted for good on its laptop but is still somewhere"),
                );
            }
            continue;
        }
        let Some(s) = on_server else {
            if e.uncertain && here.iter().all(Option::is_none) {
                // A create killed before it was saved.
                continue;
            }
            problem(
                Kind::Lost,
                format!(
                    "{tag} ({}) is not on the server (laptops: A {}, B {})",
                    e.id.as_deref().unwrap_or("id unknown"),
                    here[0].is_some(),
                    here[1].is_some()
                ),
            );
            continue;
        };
        let id = s["listing_id"].as_str().unwrap_or("?");
        if let Some(mine) = &e.id
            && mine != id
        {
            problem(
                Kind::Duplicated,
                format!("{tag}: the laptop saved {mine}, the server holds {id}"),
            );
        }
        let payload = &s["listing"];
        // Fields: the server's value is the last write of one laptop (the
        // hybrid clock picks which), or a killed write's.
        for f in FIELDS {
            let got = server_field(payload, f);
            let writes = e.fields.get(f).cloned().unwrap_or_default();
            let allowed: Vec<&Value> = writes
                .last
                .iter()
                .flatten()
                .chain(writes.maybe.iter())
                .collect();
            let got_cmp = if got.is_null() && *f == "status" {
                json!("ready")
            } else {
                got.clone()
            };
            if !allowed.is_empty() && !allowed.contains(&&got_cmp) {
                problem(
                    Kind::Lost,
                    format!(
                        "{tag} {id}: server {f} = {got}, not any laptop's last write {allowed:?}"
                    ),
                );
            }
        }
        let stock = payload["stock"].as_i64().unwrap_or(-1);
        let want = e.initial_stock + e.deltas;
        if stock != want {
            problem(
                Kind::Lost,
                format!(
                    "{tag} {id}: server stock {stock}, want {} + {} = {want}",
                    e.initial_stock, e.deltas
                ),
            );
        }
        // Photos.
        let photos = photo_list(&s["photos"]);
        let distinct: BTreeSet<&String> = photos.iter().collect();
        if distinct.len() != photos.len() {
            problem(
                Kind::Duplicated,
                format!("{tag} {id}: a photo twice on the server: {photos:?}"),
            );
        }
        for sha in &e.photos_acked {
            if !e.photos_removed.contains(sha) && !photos.contains(sha) {
                problem(
                    Kind::Lost,
                    format!(
                        "{tag} {id}: photo {sha} was imported, never removed, and is not on the server ({photos:?})"
                    ),
                );
            }
        }
        for sha in &photos {
            if !e.photos_acked.contains(sha) && !e.photos_maybe.contains(sha) {
                problem(
                    Kind::Other,
                    format!("{tag} {id}: server photo {sha} was never imported for it"),
                );
            }
        }
        // Moderation.
        let moderation = s["moderation"].as_str().unwrap_or("?");
        if e.rejected {
            if moderation != "rejected" {
                problem(
                    Kind::Diverged,
                    format!("{tag} {id}: rejected by the operator, now {moderation}"),
                );
            }
            let public = observer.public_status(id).await?;
            if public != 404 {
                problem(
                    Kind::Diverged,
                    format!("{tag} {id}: rejected, yet the public gets {public}"),
                );
            }
        }
        // Both laptops hold what the server holds.
        for (i, l) in here.iter().enumerate() {
            let Some(l) = l else {
                problem(
                    Kind::Diverged,
                    format!("{tag} {id} is on the server but not on laptop {i}"),
                );
                continue;
            };
            for f in FIELDS {
                let mut server_value = server_field(payload, f);
                if server_value.is_null() && *f == "status" {
                    server_value = json!("ready");
                }
                let mine = laptop_field(l, f);
                if mine != server_value {
                    problem(
                        Kind::Diverged,
                        format!("{tag} {id}: laptop {i} {f} = {mine}, server {server_value}"),
                    );
                }
            }
            if l["stock"].as_i64() != Some(stock) {
                problem(
                    Kind::Diverged,
                    format!(
                        "{tag} {id}: laptop {i} stock {}, server {stock}",
                        l["stock"]
                    ),
                );
            }
            let mine = photo_list(&l["photos"]);
            if mine != photos {
                problem(
                    Kind::Diverged,
                    format!("{tag} {id}: laptop {i} photos {mine:?}, server {photos:?}"),
                );
            }
        }
    }
    for tag in server_by_tag.keys() {
        if !model.listings.contains_key(tag) {
            problem(
                Kind::Duplicated,
                format!("server listing {tag} was never created by the workload"),
            );
        }
    }
    for (i, by_tag) in laptop_by_tag.iter().enumerate() {
        for tag in by_tag.keys() {
            if !server_by_tag.contains_key(tag) && model.listings.contains_key(tag) {
                problem(
                    Kind::Diverged,
                    format!("{tag} is on laptop {i} but not on the server"),
                );
            }
        }
    }

    // Every photo a listing shows: the server's bytes hash to the name,
    // and so do both laptops' files.
    for (display, thumb) in &thumbs {
        for sha in [display, thumb] {
            match observer.photo(sha).await {
                Ok(bytes) => {
                    photo_bytes += bytes.len() as u64;
                    let got = sha_hex(&bytes);
                    if got != *sha {
                        problem(
                            Kind::Corrupt,
                            format!("server photo {sha} has bytes hashing to {got}"),
                        );
                    }
                }
                Err(e) => problem(
                    Kind::Lost,
                    format!("server photo {sha} cannot be fetched: {e}"),
                ),
            }
            for l in laptops.iter() {
                let file = l
                    .dir
                    .join("photos")
                    .join(&sha[..2])
                    .join(format!("{sha}.jpg"));
                match std::fs::read(&file) {
                    Ok(bytes) if sha_hex(&bytes) == *sha => {}
                    Ok(_) => problem(
                        Kind::Corrupt,
                        format!(
                            "laptop {}: {} does not hash to its name",
                            l.name,
                            file.display()
                        ),
                    ),
                    Err(_) => problem(
                        Kind::Lost,
                        format!(
                            "laptop {}: photo {sha} missing ({})",
                            l.name,
                            file.display()
                        ),
                    ),
                }
            }
        }
    }
    Ok(Report {
        problems,
        listings,
        photo_bytes,
    })
}

/// `PRAGMA integrity_check` of both catalogs and the marketplace's
/// database (opened read-only).
pub fn integrity(laptops: &[Arc<Laptop>; 2], market_db: &Path) -> Vec<Problem> {
    let mut files: Vec<std::path::PathBuf> =
        laptops.iter().map(|l| l.dir.join("catalog.db")).collect();
    files.push(market_db.to_owned());
    let mut problems = Vec::new();
    for file in files {
        let result = rusqlite::Connection::open_with_flags(
            &file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)));
        match result {
            Ok(ok) if ok == "ok" => {}
            Ok(bad) => problems.push(Problem::new(
                Kind::Corrupt,
                format!("{}: integrity_check: {bad}", file.display()),
            )),
            Err(e) => problems.push(Problem::new(
                Kind::Corrupt,
                format!("{}: {e}", file.display()),
            )),
        }
    }
    problems
}
