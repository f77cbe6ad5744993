//! `cargo xtask demo-store DIR` (and `cargo xtask run`, on a first run): the
//! app's catalog in DIR filled with the 32 demo products, so the window
//! opens on a shop showing every state a listing can be in. Through the
//! library crates the app itself uses: the CSV import (`store`), the photo
//! pipeline (`photos`) and one sync pass (`sync::headless`) against a
//! marketplace; then one listing is rejected there with a reason (`reject`,
//! the caller's: `hanout-market listing reject` in `run`) and pulled, and
//! a few are edited without syncing, so they wait.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail, ensure};
use uuid::Uuid;

/// The demo catalog, as a cooperative would import it.
const CATALOG_CSV: &str = include_str!("../../assets/demo/demo-catalog.csv");

/// The app's shop is a cooperative of its own on the marketplace, beside
/// `atlas` (which `hanout-market demo` fills as the operator): pulled
/// `atlas` listings would otherwise come in twice, once imported, once
/// pulled.
pub const SHOP_SLUG: &str = "tiwizi";
pub const SHOP_NAME: &str = "Coopérative Tiwizi — تعاونية تويزة";

/// How many listings get a photo through the pipeline (a second or so
/// each in a debug build).
const WITH_PHOTOS: usize = 6;
/// How many are edited after the sync, and so wait.
const WAITING: usize = 3;
/// Why the moderator rejects the first one.
pub const REJECTION: &str =
    "The photo shows a price tag — retake it without one / La photo montre une étiquette de prix";

/// What [`fill`] left in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub listings: usize,
    pub rejected: Uuid,
    pub waiting: Vec<Uuid>,
}

/// Whether DIR holds no catalog yet (the app makes `catalog.db` there).
pub fn is_empty(data_dir: &Path) -> bool {
    !data_dir.join("catalog.db").exists()
}

/// Fills the catalog in `data_dir` (which must have none) with the demo
/// products, enrolling with `code` at `market_url`; `reject(listing, why)`
/// rejects a listing on that marketplace. Blocking.
pub fn fill(
    data_dir: &Path,
    market_url: &str,
    code: &str,
    reject: impl FnOnce(Uuid, &str) -> Result<()>,
) -> Result<Filled> {
    ensure!(
        is_empty(data_dir),
        "{} has a catalog already — give an empty directory",
        data_dir.display()
    );
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("could not create {}", data_dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let clock: Arc<dyn sync::Clock> = Arc::new(sync::SystemClock);
    let config = || sync::Config {
        device_name: "Demo laptop (cargo xtask)".to_owned(),
        detect_metered: false,
        send_photos_now: true,
        ..sync::Config::default()
    };
    runtime
        .block_on(sync::headless::connect(
            data_dir,
            market_url,
            code,
            config(),
            clock.clone(),
        ))
        .context("could not connect the demo catalog to the marketplace")?;

    let ids = import(data_dir)?;
    let rejected = ids[0];
    sync_pass(&runtime, data_dir, config(), clock.clone())?;
    reject(rejected.uuid(), REJECTION)?;
    // Pulls the rejection (nothing is left to push).
    sync_pass(&runtime, data_dir, config(), clock)?;

    let waiting = ids[1..=WAITING].to_vec();
    edit_prices(data_dir, &waiting)?;
    Ok(Filled {
        listings: ids.len(),
        rejected: rejected.uuid(),
        waiting: waiting.iter().map(|id| id.uuid()).collect(),
    })
}

/// Imports the CSV and, for the first [`WITH_PHOTOS`] listings, a drawn
/// photo each through the pipeline. Returns the listings' ids.
fn import(data_dir: &Path) -> Result<Vec<store::ListingId>> {
    let _lock = store::lock_writer(data_dir)?;
    let mut store = store::open(&data_dir.join("catalog.db"))?;
    let plan = store::plan_import(CATALOG_CSV.as_bytes())?;
    if !plan.errors.is_empty() {
        bail!("the demo catalog does not import: {:?}", plan.errors);
    }
    let now = now_ms();
    store.apply_import(&plan, now)?;
    // In the order they were made (ids are UUIDv7): the CSV's.
    let mut listings = store.listings()?;
    listings.sort_by_key(|l| l.id.uuid());

    let drawn = tempfile::tempdir()?;
    for (index, listing) in listings.iter().take(WITH_PHOTOS).enumerate() {
        let file = drawn.path().join(format!("demo-{index}.png"));
        draw(index).save(&file)?;
        let imported = photos::import(&file, data_dir, &photos::Limits::default())?;
        store.record_photo(
            &store::PhotoRecord {
                display_sha256: imported.display.sha256.clone(),
                thumb_sha256: imported.thumb.sha256.clone(),
                width: imported.display.width,
                height: imported.display.height,
                source_name: Some(format!("demo-{index}.png")),
            },
            now,
        )?;
        store.attach_photos(listing.id, &[imported.display.sha256], now)?;
    }
    Ok(listings.iter().map(|l| l.id).collect())
}

/// A 1200×900 picture: a warm gradient crossed by stripes as wide as
/// `index` says, so each photo is its own.
fn draw(index: usize) -> image::RgbImage {
    let period = 30 + 10 * index as u32;
    image::RgbImage::from_fn(1200, 900, |x, y| {
        let light = 255 - (x + y) * 100 / 2100;
        let stripe = if ((x + y) / period).is_multiple_of(2) {
            100
        } else {
            85
        };
        let shade = |c: u32| (c * light / 255 * stripe / 100) as u8;
        image::Rgb([shade(200), shade(120), shade(60)])
    })
}

fn sync_pass(
    runtime: &tokio::runtime::Runtime,
    data_dir: &Path,
    config: sync::Config,
    clock: Arc<dyn sync::Clock>,
) -> Result<()> {
    match runtime.block_on(sync::headless::sync_catalog(data_dir, config, clock))? {
        sync::headless::Pass::Ran(summary) => {
            report(&summary);
            Ok(())
        }
        sync::headless::Pass::AppSyncing => bail!("the app has this catalog open — close it"),
    }
}

fn report(summary: &sync::headless::Summary) {
    eprintln!(
        "xtask: demo catalog synced ({} waiting, {} photos waiting, {} rejected)",
        summary.waiting,
        summary.photos_waiting,
        summary.rejected.len()
    );
}

/// Raises the price of `ids` by 10 MAD: an edit that waits for the next sync.
fn edit_prices(data_dir: &Path, ids: &[store::ListingId]) -> Result<()> {
    let _lock = store::lock_writer(data_dir)?;
    let mut store = store::open(&data_dir.join("catalog.db"))?;
    for &id in ids {
        let listing = store
            .listing(id)?
            .with_context(|| format!("listing {id} vanished"))?;
        let mut input = listing.to_input();
        input.price = store::Price::from_centimes(input.price.centimes() + 1000)?;
        store.update_listing(id, store::NewListing::validate(input)?, now_ms())?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
