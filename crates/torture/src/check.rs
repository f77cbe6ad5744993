//! The checker: from the outside only — each laptop through `hanout`'s
//! JSON and its photo files, the marketplace through its HTTP API as a
//! third device of the cooperative (pull, photos) and as the public.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::backing::{market_execute, market_rows};
use crate::model::{FIELDS, Model, laptop_field, server_field, tag_of};
use crate::procs::{Laptop, Market};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lost,
    Duplicated,
    Diverged,
    Corrupt,
    /// An upload the marketplace keeps past its expiry (its row, its
    /// bytes on disk or its chunks in the bucket).
    Leftover,
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Lost => "lost",
            Kind::Duplicated => "duplicated",
            Kind::Diverged => "diverged",
            Kind::Corrupt => "corrupt",
            Kind::Leftover => "leftover",
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
/// SQLite database if it has one (opened read-only).
pub fn integrity(laptops: &[Arc<Laptop>; 2], market_db: Option<&Path>) -> Vec<Problem> {
    let mut files: Vec<std::path::PathBuf> =
        laptops.iter().map(|l| l.dir.join("catalog.db")).collect();
    files.extend(market_db.map(Path::to_owned));
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

/// What [`leftovers`] found.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub problems: Vec<Problem>,
    /// Unfinished uploads the trial left once healed (each must then be
    /// younger than its expiry).
    pub unfinished: u64,
    /// The marketplace's clean-up of expired uploads ran and was checked.
    pub cleaned: bool,
}

/// No unfinished upload is left past its expiry: once healed, every
/// unfinished upload in the marketplace's database is younger than its
/// expiry (24 h after its creation); then the marketplace is stopped,
/// every upload's expiry is moved into the past (`UPDATE uploads SET
/// expires_at = 0`: what 24 h later would be, without waiting), and it is
/// started again with a clean-up pass a second; within 20 s nothing of any
/// upload may be left: no row in `uploads` or `upload_chunks`, no `.part`
/// file in `<data>/uploads`, no chunk object under `uploads/` in the
/// bucket. (Moving the marketplace's clock instead, with libfaketime,
/// makes its S3 requests' signatures a day off, which the S3 server
/// refuses.) Leaves the marketplace stopped.
pub async fn leftovers(market: &mut Market) -> Leftovers {
    let mut found = Leftovers::default();
    let mut problem = |what: String| found.problems.push(Problem::new(Kind::Leftover, what));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let rows = market_rows(
        &market.backing,
        &market.data,
        "SELECT id, expires_at FROM uploads WHERE completed_at IS NULL",
    );
    match rows {
        Ok(rows) => {
            found.unfinished = rows.len() as u64;
            for row in &rows {
                let expires: i64 = row.get(1).and_then(|e| e.parse().ok()).unwrap_or(0);
                if expires <= now_ms {
                    problem(format!(
                        "upload {} is unfinished {} s past its expiry",
                        row[0],
                        (now_ms - expires) / 1000
                    ));
                }
            }
        }
        Err(e) => problem(format!("cannot read the marketplace's uploads: {e:#}")),
    }
    market.kill().await;
    if let Err(e) = market_execute(
        &market.backing,
        &market.data,
        "UPDATE uploads SET expires_at = 0",
    ) {
        problem(format!("cannot expire the uploads: {e:#}"));
        return found;
    }
    if let Err(e) = market.start_cleaning().await {
        problem(format!(
            "the marketplace did not start again for the clean-up: {e:#}"
        ));
        return found;
    }
    found.cleaned = true;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut left = Vec::new();
    while std::time::Instant::now() < until {
        left = what_is_left(market).await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    market.kill().await;
    if !left.is_empty() {
        problem(format!(
            "20 s of clean-up passes after every upload expired, still left: {}",
            left.join("; ")
        ));
    }
    found
}

/// What is left of any upload (empty: nothing).
async fn what_is_left(market: &Market) -> Vec<String> {
    let mut left = Vec::new();
    for table in ["uploads", "upload_chunks"] {
        match market_rows(
            &market.backing,
            &market.data,
            &format!("SELECT count(*) FROM {table}"),
        ) {
            Ok(rows) => {
                let n = rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                if n != 0 {
                    left.push(format!("{n} row(s) in {table}"));
                }
            }
            Err(e) => left.push(format!("{table} unreadable: {e:#}")),
        }
    }
    let parts: Vec<String> = std::fs::read_dir(market.data.join("uploads"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if !parts.is_empty() {
        left.push(format!("files in uploads/: {parts:?}"));
    }
    if let Some(bucket) = &market.backing.bucket {
        match bucket_uploads(bucket).await {
            Ok(keys) if keys.is_empty() => {}
            Ok(keys) => left.push(format!("chunk objects in the bucket: {keys:?}")),
            Err(e) => left.push(format!("the bucket cannot be listed: {e:#}")),
        }
    }
    left
}

/// The objects under `uploads/` in the trial's bucket.
async fn bucket_uploads(bucket: &crate::procs::Bucket) -> Result<Vec<String>> {
    use futures_util::StreamExt as _;
    use object_store::ObjectStore as _;
    let store = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&bucket.endpoint)
        .with_allow_http(true)
        .with_bucket_name(&bucket.name)
        .with_access_key_id(&bucket.key)
        .with_secret_access_key(&bucket.key)
        .with_region("us-east-1")
        .with_virtual_hosted_style_request(false)
        .build()?;
    let prefix = object_store::path::Path::from("uploads");
    let listed: Vec<_> = store.list(Some(&prefix)).collect().await;
    listed
        .into_iter()
        .map(|m| Ok(m?.location.to_string()))
        .collect()
}
