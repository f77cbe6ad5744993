//! One trial: a marketplace, laptops A and B of one cooperative, a
//! workload on both, faults, healing, then the checker.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use test_support::shaper::{LinkSpec, Shaper};
use tokio::sync::Mutex as AsyncMutex;

use crate::check::{self, Problem};
use crate::model::{Model, laptop_field};
use crate::pool::Pool;
use crate::procs::{self, Backing, Bins, Env, Laptop, Market, Ran};

const DEMO_CSV: &str = include_str!("../../../assets/demo/demo-catalog.csv");
const COOP: &str = "torture";
/// Longest wait for convergence once everything is healed.
const HEAL_LIMIT: Duration = Duration::from_secs(120);

pub struct Outcome {
    pub problems: Vec<Problem>,
    pub faults: BTreeMap<String, u64>,
    pub convergence: Option<Duration>,
    pub took: Duration,
    pub up_bytes: u64,
    pub down_bytes: u64,
    pub photo_bytes_stored: u64,
    pub photo_bytes_reported_sent: u64,
    pub listings: u64,
    pub edits: u64,
    /// Unfinished uploads on the marketplace once healed.
    pub unfinished_uploads: u64,
    /// The marketplace's clean-up of expired uploads was checked.
    pub cleanup_checked: bool,
}

impl Outcome {
    /// The harness itself could not run the trial.
    pub fn broken(what: String) -> Outcome {
        Outcome {
            problems: vec![Problem::other(format!("the trial could not run: {what}"))],
            faults: BTreeMap::new(),
            convergence: None,
            took: Duration::ZERO,
            up_bytes: 0,
            down_bytes: 0,
            photo_bytes_stored: 0,
            photo_bytes_reported_sent: 0,
            listings: 0,
            edits: 0,
            unfinished_uploads: 0,
            cleanup_checked: false,
        }
    }
}

/// What a trial shares between its workload and its faults.
pub(crate) struct World {
    seed: u64,
    pub(crate) laptops: [Arc<Laptop>; 2],
    /// Laptop `i` goes through `shapers[link[i]]` (B restored from A's
    /// backup keeps A's marketplace address, so shares A's link).
    link: [usize; 2],
    pub(crate) shapers: Vec<Shaper>,
    pub(crate) market: AsyncMutex<Market>,
    model: Mutex<Model>,
    faults: Mutex<BTreeMap<String, u64>>,
    pool: Arc<Pool>,
    dir: std::path::PathBuf,
    pub(crate) env: Env,
    /// A laptop's watcher is being restarted by a fault: leave it alone.
    stalled_until: Mutex<Instant>,
    disk_full: AtomicBool,
}

impl World {
    pub(crate) fn new(
        seed: u64,
        laptops: [Laptop; 2],
        shapers: Vec<Shaper>,
        market: Market,
        pool: &Pool,
        dir: &Path,
        env: &Env,
    ) -> World {
        World {
            seed,
            laptops: laptops.map(Arc::new),
            link: [0, 1],
            shapers,
            market: AsyncMutex::new(market),
            model: Mutex::new(Model::default()),
            faults: Mutex::new(BTreeMap::new()),
            pool: Arc::new(pool.clone()),
            dir: dir.to_owned(),
            env: env.clone(),
            stalled_until: Mutex::new(Instant::now()),
            disk_full: AtomicBool::new(false),
        }
    }

    fn fault(&self, kind: &str) {
        *self
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(kind.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn model(&self) -> std::sync::MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub async fn run(
    seed: u64,
    dir: &Path,
    bins: &Bins,
    env: &Env,
    pool: &Pool,
    backing: Backing,
) -> Result<Outcome> {
    let started = Instant::now();
    std::fs::create_dir_all(dir)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let market_dir = dir.join("market");
    std::fs::create_dir_all(&market_dir)?;
    // The full disk is the data directory's: only when something lives
    // there (the SQLite database, or the photos and upload bytes).
    let on_disk = backing.database.is_none() || backing.bucket.is_none();
    let tmpfs = env.tmpfs && on_disk && procs::mount_tmpfs(&market_dir, 48).is_ok();
    let env = Env {
        tmpfs,
        ..env.clone()
    };
    let result = run_mounted(seed, dir, bins, &env, pool, &mut rng, backing, started).await;
    if tmpfs {
        let failed = !matches!(&result, Ok(o) if o.problems.is_empty());
        if failed {
            // Keep the marketplace's files past the unmount.
            let _ = std::process::Command::new("cp")
                .arg("-a")
                .arg(&market_dir)
                .arg(dir.join("market-kept"))
                .status();
        }
        // The market process is gone (dropped, killed on drop): unmount.
        for _ in 0..20 {
            if procs::unmount(&market_dir).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn run_mounted(
    seed: u64,
    dir: &Path,
    bins: &Bins,
    env: &Env,
    pool: &Pool,
    rng: &mut StdRng,
    backing: Backing,
    started: Instant,
) -> Result<Outcome> {
    // The marketplace, its cooperative and three codes (A, B, the checker).
    let mut market = Market::new(bins, &dir.join("market"), backing)?;
    market
        .admin(&[
            "coop",
            "add",
            "--slug",
            COOP,
            "--name",
            "Coopérative Torture",
        ])
        .await?;
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(market.admin(&["device", "code", COOP]).await?);
    }
    market.start().await?;
    let upstream = market.addr;

    // Links: mostly fast loopback with a little delay, sometimes a slow one.
    let spec = |rng: &mut StdRng| {
        if rng.random_bool(0.2) {
            LinkSpec::symmetric(rng.random_range(2_000..8_000), Duration::from_millis(60))
        } else {
            LinkSpec {
                one_way_delay: Duration::from_millis(rng.random_range(0..10)),
                ..LinkSpec::default()
            }
        }
    };
    let shapers = vec![
        Shaper::start(upstream, spec(rng)).await?,
        Shaper::start(upstream, spec(rng)).await?,
    ];
    let a = Laptop::new("A", &dir.join("a"), bins, env)?;
    let b = Laptop::new("B", &dir.join("b"), bins, env)?;
    a.ok(&["connect", &shapers[0].url(), "--code", &codes[0]])
        .await?;

    let world = Arc::new(World::new(seed, [a, b], shapers, market, pool, dir, env));

    // A few listings on A first; B starts from a restored backup of A's
    // catalog in some trials (a new laptop "copied from the old one").
    let mut world = world;
    let mut wrng = StdRng::seed_from_u64(seed ^ 0xA0);
    for n in 0..rng.random_range(1..4) {
        create(&world, 0, &mut wrng, n, None).await?;
    }
    let restored = rng.random_bool(0.3);
    if restored {
        let backup = dir.join("a-backup.db");
        world.laptops[0]
            .ok(&["backup", &backup.display().to_string()])
            .await?;
        world.laptops[1]
            .ok(&["restore", &backup.display().to_string(), "--yes"])
            .await?;
        // The restored catalog keeps A's marketplace address: B shares A's link.
        world.laptops[1]
            .ok(&["connect", &world.shapers[0].url(), "--code", &codes[1]])
            .await?;
        Arc::get_mut(&mut world).context("world shared")?.link = [0, 0];
        world.fault("b_from_a_backup");
        let listings = world.laptops[1].listings().await?;
        world.model().seen(1, &listings);
    } else {
        world.laptops[1]
            .ok(&["connect", &world.shapers[1].url(), "--code", &codes[1]])
            .await?;
    }
    let observer = check::Observer::enroll(&world.market.lock().await.url(), &codes[2]).await?;

    for l in &world.laptops {
        l.start_watcher()?;
    }

    // The workload on both laptops, faults meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let ops = rng.random_range(12..30);
    let work = |i: usize| {
        let world = world.clone();
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(i as u64 + 1));
        async move { workload(&world, i, ops, &mut rng).await }
    };
    let faults = {
        let world = world.clone();
        let stop = stop.clone();
        let observer = observer.clone();
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(7919));
        tokio::spawn(async move { inject_faults(&world, &stop, &observer, &mut rng).await })
    };
    let (ra, rb) = tokio::join!(work(0), work(1));
    stop.store(true, Ordering::SeqCst);
    faults.await??;
    ra?;
    rb?;

    // Heal: links clean, marketplace up with room, clocks right, then sync
    // both laptops (one pass each, in turn) until a round moves nothing.
    for s in &world.shapers {
        s.set_truncate_every(None);
    }
    let quiet_at = *world
        .stalled_until
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    tokio::time::sleep_until(quiet_at.into()).await;
    for l in &world.laptops {
        l.kill_watcher().await;
        l.clock_back.store(false, Ordering::SeqCst);
    }
    {
        let mut market = world.market.lock().await;
        free_disk(&world);
        if !market.running() {
            market.start().await?;
        }
    }
    let heal_started = Instant::now();
    let mut convergence = None;
    let mut passes = 0;
    while heal_started.elapsed() < HEAL_LIMIT {
        let mut moved = false;
        for l in &world.laptops {
            passes += 1;
            match l.run(&["sync".to_owned()]).await? {
                Ran::Done(s) => {
                    let busy = ["pushed", "pulled", "photos_uploaded", "photos_downloaded"]
                        .iter()
                        .any(|k| s[k].as_u64().unwrap_or(0) > 0)
                        || ["waiting", "photos_waiting", "downloads_waiting"]
                            .iter()
                            .any(|k| s[k].as_u64().unwrap_or(0) > 0);
                    moved |= busy;
                }
                Ran::Refused(..) | Ran::Killed => moved = true,
            }
        }
        if !moved {
            convergence = Some(heal_started.elapsed());
            break;
        }
        if passes > 40 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    let mut problems = Vec::new();
    if convergence.is_none() {
        problems.push(Problem::diverged(format!(
            "the laptops were still moving after {} s of healing ({passes} passes)",
            HEAL_LIMIT.as_secs()
        )));
    }
    let mut model = std::mem::take(&mut *world.model());
    let report = check::check(&world.laptops, &observer, &mut model).await;
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::other(format!("the checker failed: {e:#}")));
            check::Report::default()
        }
    };
    problems.extend(report.problems);
    let leftovers = {
        let mut market = world.market.lock().await;
        let sqlite = market.backing.database.is_none();
        problems.extend(check::integrity(
            &world.laptops,
            sqlite.then(|| market.data.join("market.db")).as_deref(),
        ));
        check::leftovers(&mut market).await
    };
    problems.extend(leftovers.problems);
    let faults = world
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let counters: Vec<_> = world.shapers.iter().map(Shaper::counters).collect();
    let edits = model.edits;
    let photo_bytes_reported_sent = world.laptops.iter().map(|l| l.reported_photo_bytes()).sum();
    world.market.lock().await.kill().await;
    Ok(Outcome {
        problems,
        faults,
        convergence,
        took: started.elapsed(),
        up_bytes: counters.iter().map(|c| c.up_bytes).sum(),
        down_bytes: counters.iter().map(|c| c.down_bytes).sum(),
        photo_bytes_stored: report.photo_bytes,
        photo_bytes_reported_sent,
        listings: report.listings,
        edits,
        unfinished_uploads: leftovers.unfinished,
        cleanup_checked: leftovers.cleaned,
    })
}

/// A demo product with the trial's tag in its English title.
fn product(rng: &mut StdRng) -> csv::StringRecord {
    let mut reader = csv::Reader::from_reader(DEMO_CSV.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(|r| r.ok()).collect();
    rows.choose(rng).cloned().unwrap_or_default()
}

fn tag(world: &World, laptop: usize, n: u64, rng: &mut StdRng) -> String {
    format!(
        "tq{}{}{}x{}",
        world.seed,
        ["a", "b"][laptop],
        n,
        rng.random_range(0..1000)
    )
}

/// `listing add` of a demo product; killed after `kill_after` if given.
pub(crate) async fn create(
    world: &World,
    laptop: usize,
    rng: &mut StdRng,
    n: u64,
    kill_after: Option<Duration>,
) -> Result<()> {
    let row = product(rng);
    let tag = tag(world, laptop, n, rng);
    let stock = rng.random_range(500..900);
    let price = rng.random_range(50..9000);
    let title_en = format!("{} {tag}", &row[3]);
    let args: Vec<String> = [
        "listing",
        "add",
        "--title-ar",
        &row[1],
        "--title-fr",
        &row[2],
        "--title-en",
        &title_en,
        "--price",
        &price.to_string(),
        "--category",
        &row[0],
        "--unit",
        &row[5],
        "--stock",
        &stock.to_string(),
        "--region",
        &row[7],
        "--origin",
        &row[8],
        "--materials",
        &row[9],
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    match world.laptops[laptop].run_or_kill(&args, kill_after).await? {
        Ran::Done(doc) => world.model().created(laptop, &tag, &doc["listing"]),
        Ran::Killed => {
            world.fault("kill_during_create");
            let would_be = json!({
                "titles": {"fr": &row[2]},
                "price_centimes": price * 100,
                "region": &row[7],
                "materials": &row[9],
                "status": "ready",
            });
            world.model().maybe_created(laptop, &tag, &would_be, stock);
        }
        Ran::Refused(kind, message) => bail!("listing add refused: {kind}: {message}"),
    }
    Ok(())
}

async fn workload(world: &World, laptop: usize, ops: u32, rng: &mut StdRng) -> Result<()> {
    let me = &world.laptops[laptop];
    for n in 0..u64::from(ops) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..250))).await;
        if n % 5 == 0 {
            let listings = me.listings().await?;
            world.model().seen(laptop, &listings);
        }
        let kill = rng
            .random_bool(0.1)
            .then(|| Duration::from_millis(rng.random_range(5..400)));
        let targets = world.model().targets(laptop);
        let roll = rng.random_range(0..100);
        let Some(id) = targets.choose(rng).cloned().filter(|_| roll >= 12) else {
            if roll < 4 {
                csv_import(world, laptop, rng, n).await?;
            } else {
                create(world, laptop, rng, 100 + n, kill).await?;
            }
            continue;
        };
        match roll {
            12..40 => edit_field(world, laptop, rng, &id, kill).await?,
            40..62 => stock_delta(world, laptop, rng, &id).await?,
            62..67 => set_status(world, laptop, rng, &id).await?,
            67..69 => {
                let args = vec!["listing".into(), "remove".into(), id.clone()];
                if let Ran::Done(doc) = me.run(&args).await? {
                    let mut m = world.model();
                    m.edits += 1;
                    if let Some(e) = m.by_id_mut(&id) {
                        if doc["removed"] == "deleted" {
                            e.gone_for_good = true;
                        } else {
                            e.fields.entry("status").or_default().last[laptop] =
                                Some(json!("archived"));
                        }
                    }
                }
            }
            69..85 => import_photos(world, laptop, rng, &id, kill).await?,
            85..90 => carry(world, laptop, rng, n).await?,
            _ => photo_edit(world, laptop, rng, &id).await?,
        }
    }
    Ok(())
}

/// A sale or a restock: `listing edit --stock-add`.
pub(crate) async fn stock_delta(
    world: &World,
    laptop: usize,
    rng: &mut StdRng,
    id: &str,
) -> Result<()> {
    let delta = *[-5i64, -3, -2, -1, 1, 2, 4].choose(rng).unwrap_or(&-1);
    let args = vec![
        "listing".into(),
        "edit".into(),
        id.to_owned(),
        "--stock-add".into(),
        delta.to_string(),
    ];
    if let Ran::Done(_) = world.laptops[laptop].run(&args).await? {
        let mut m = world.model();
        m.edits += 1;
        if let Some(e) = m.by_id_mut(id) {
            e.deltas += delta;
        }
    }
    Ok(())
}

/// Archive, publish, back to draft or ready.
pub(crate) async fn set_status(
    world: &World,
    laptop: usize,
    rng: &mut StdRng,
    id: &str,
) -> Result<()> {
    let status = *["archived", "published", "draft", "ready"]
        .choose(rng)
        .unwrap_or(&"published");
    let args: Vec<String> = if status == "archived" {
        vec!["listing".into(), "archive".into(), id.to_owned()]
    } else {
        vec![
            "listing".into(),
            "edit".into(),
            id.to_owned(),
            "--status".into(),
            status.into(),
        ]
    };
    if let Ran::Done(_) = world.laptops[laptop].run(&args).await? {
        acked(world, laptop, id, "status", json!(status));
    }
    Ok(())
}

fn acked(world: &World, laptop: usize, id: &str, field: &'static str, value: Value) {
    let mut m = world.model();
    m.edits += 1;
    if let Some(e) = m.by_id_mut(id) {
        e.fields.entry(field).or_default().last[laptop] = Some(value);
    }
}

pub(crate) async fn edit_field(
    world: &World,
    laptop: usize,
    rng: &mut StdRng,
    id: &str,
    kill_after: Option<Duration>,
) -> Result<()> {
    let field = *["price_centimes", "title_fr", "region", "materials"]
        .choose(rng)
        .unwrap_or(&"region");
    let stamp = rng.random_range(0..1_000_000);
    let (flag, arg, value) = match field {
        "price_centimes" => {
            let price = rng.random_range(50..99_999i64);
            ("--price", price.to_string(), json!(price * 100))
        }
        "title_fr" => {
            let v = format!("Article {} n°{stamp}", ["A", "B"][laptop]);
            ("--title-fr", v.clone(), json!(v))
        }
        "region" => {
            let v = format!(
                "{} {stamp}",
                [
                    "Souss-Massa",
                    "Drâa-Tafilalet",
                    "Marrakech-Safi",
                    "Oriental"
                ]
                .choose(rng)
                .unwrap_or(&"Oriental")
            );
            ("--region", v.clone(), json!(v))
        }
        _ => {
            let v = format!(
                "{} {stamp}",
                ["laine", "cèdre", "cuivre", "argile", "cuir de chèvre"]
                    .choose(rng)
                    .unwrap_or(&"laine")
            );
            ("--materials", v.clone(), json!(v))
        }
    };
    let args = vec![
        "listing".into(),
        "edit".into(),
        id.to_owned(),
        flag.into(),
        arg,
    ];
    match world.laptops[laptop].run_or_kill(&args, kill_after).await? {
        Ran::Done(doc) => {
            let saved = laptop_field(&doc["listing"], field);
            if saved != value {
                world.model().edits += 1;
                bail!("laptop {laptop} saved {saved} for {field} of {id}, asked {value}");
            }
            acked(world, laptop, id, field, value);
        }
        Ran::Killed => {
            world.fault("kill_during_edit");
            if let Some(e) = world.model().by_id_mut(id) {
                e.fields.entry(field).or_default().maybe.push(value);
            }
        }
        Ran::Refused(..) => {}
    }
    Ok(())
}

pub(crate) async fn import_photos(
    world: &World,
    laptop: usize,
    rng: &mut StdRng,
    id: &str,
    kill_after: Option<Duration>,
) -> Result<()> {
    // Each photo at most once per listing (from either laptop) so that a
    // removal is never undone by a re-import the model would have to order.
    let used = {
        let m = world.model();
        m.listings
            .values()
            .find(|e| e.id.as_deref() == Some(id))
            .map(|e| {
                e.photos_acked
                    .union(&e.photos_maybe)
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let mut fresh: Vec<&crate::pool::Photo> = world
        .pool
        .photos
        .iter()
        .filter(|p| !used.contains(&p.display))
        .collect();
    fresh.shuffle(rng);
    fresh.truncate(rng.random_range(1..=3));
    if fresh.is_empty() {
        return Ok(());
    }
    let mut args = vec!["photos".to_owned(), "import".to_owned()];
    args.extend(fresh.iter().map(|p| p.file.display().to_string()));
    args.extend(["--listing".to_owned(), id.to_owned()]);
    // Claim them first, so the other laptop does not pick them meanwhile.
    if let Some(e) = world.model().by_id_mut(id) {
        e.photos_maybe
            .extend(fresh.iter().map(|p| p.display.clone()));
    }
    match world.laptops[laptop].run_or_kill(&args, kill_after).await? {
        Ran::Done(doc) => {
            let mut m = world.model();
            m.edits += 1;
            if let Some(e) = m.by_id_mut(id) {
                for f in doc["files"].as_array().into_iter().flatten() {
                    if let Some(sha) = f["display"]["sha256"].as_str() {
                        e.photos_maybe.remove(sha);
                        e.photos_acked.insert(sha.to_owned());
                    }
                }
            }
        }
        Ran::Killed => world.fault("kill_during_photo_import"),
        Ran::Refused(..) => {}
    }
    Ok(())
}

/// The third path: this laptop's changes reach the other one without the
/// marketplace, on a USB stick (`bundle export` / `import`, sometimes
/// killed mid-import, sometimes imported twice) or over the stand's
/// network (`peer share` there, `peer sync` here). Whichever laptop
/// pushes them later, the checker finds each sale counted once.
async fn carry(world: &World, laptop: usize, rng: &mut StdRng, n: u64) -> Result<()> {
    let other = 1 - laptop;
    let (me, them) = (&world.laptops[laptop], &world.laptops[other]);
    if rng.random_bool(0.3) {
        let Some((mut child, address, code)) = them.share_once().await? else {
            return Ok(());
        };
        let args: Vec<String> = ["peer", "sync", &address, "--code", &code]
            .map(str::to_owned)
            .to_vec();
        let ran = me.run(&args).await?;
        if tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .is_err()
        {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        if let Ran::Done(_) = ran {
            world.fault("peer_exchange");
            for (i, l) in world.laptops.iter().enumerate() {
                let listings = l.listings().await?;
                world.model().seen(i, &listings);
            }
        }
        return Ok(());
    }
    let file = world.dir.join(format!("carry-{laptop}-{n}.hanout"));
    let mut export = vec![
        "bundle".to_owned(),
        "export".to_owned(),
        file.display().to_string(),
    ];
    if rng.random_bool(0.3) {
        export.push("--no-photos".to_owned());
    }
    let Ran::Done(_) = me.run(&export).await? else {
        return Ok(());
    };
    let import = vec![
        "bundle".to_owned(),
        "import".to_owned(),
        file.display().to_string(),
    ];
    // A process starts in ~20 ms and a small import takes a few more: a
    // kill within 80 ms lands before, during or after its transaction.
    let kill = rng
        .random_bool(0.3)
        .then(|| Duration::from_millis(rng.random_range(2..80)));
    let mut taken = matches!(them.run_or_kill(&import, kill).await?, Ran::Done(_));
    if !taken {
        world.fault("kill_during_bundle_import");
    }
    if !taken || rng.random_bool(0.3) {
        // Again: after a kill, or a second time by mistake.
        if let Ran::Done(doc) = them.run(&import).await? {
            if taken && doc["imported"]["changes"] != 0 {
                bail!("a bundle imported twice took changes again: {doc}");
            }
            world.fault(if taken {
                "bundle_imported_twice"
            } else {
                "bundle_import_retried"
            });
            taken = true;
        }
    }
    if taken {
        world.fault("bundle_carried");
        let listings = them.listings().await?;
        world.model().seen(other, &listings);
    }
    Ok(())
}

/// Removes a photo or makes another the cover.
async fn photo_edit(world: &World, laptop: usize, rng: &mut StdRng, id: &str) -> Result<()> {
    let me = &world.laptops[laptop];
    let shown = match me
        .run(&["listing".into(), "show".into(), id.to_owned()])
        .await?
    {
        Ran::Done(doc) => doc,
        _ => return Ok(()),
    };
    let photos: Vec<String> = shown["listing"]["photos"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    let Some(sha) = photos.choose(rng).cloned() else {
        return Ok(());
    };
    let remove = rng.random_bool(0.5);
    let flag = if remove {
        "--photo-remove"
    } else {
        "--photo-cover"
    };
    let args = vec![
        "listing".into(),
        "edit".into(),
        id.to_owned(),
        flag.into(),
        sha.clone(),
    ];
    if let Ran::Done(doc) = me.run(&args).await? {
        let mut m = world.model();
        m.edits += 1;
        let now: Vec<&str> = doc["listing"]["photos"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if remove {
            if now.contains(&sha.as_str()) {
                drop(m);
                bail!("laptop {laptop}: photo {sha} still on {id} after --photo-remove");
            }
            if let Some(e) = m.by_id_mut(id) {
                e.photos_removed.insert(sha);
            }
        } else if now.first() != Some(&sha.as_str()) {
            drop(m);
            bail!("laptop {laptop}: photo {sha} is not the cover of {id} after --photo-cover");
        }
    }
    Ok(())
}

async fn csv_import(world: &World, laptop: usize, rng: &mut StdRng, n: u64) -> Result<()> {
    let mut reader = csv::Reader::from_reader(DEMO_CSV.as_bytes());
    let headers = reader.headers()?.clone();
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(|r| r.ok()).collect();
    let file = world
        .dir
        .join(format!("import-{}-{n}.csv", ["a", "b"][laptop]));
    let mut w = csv::Writer::from_path(&file)?;
    w.write_record(&headers)?;
    let mut tags = Vec::new();
    for k in 0..rng.random_range(1..4u64) {
        let mut row: Vec<String> = rows
            .choose(rng)
            .context("demo rows")?
            .iter()
            .map(str::to_owned)
            .collect();
        let tag = tag(world, laptop, 1000 + n * 10 + k, rng);
        row[3] = format!("{} {tag}", row[3]);
        row[6] = rng.random_range(500..900).to_string();
        w.write_record(&row)?;
        tags.push(tag);
    }
    w.flush()?;
    drop(w);
    let me = &world.laptops[laptop];
    let args = vec![
        "import".to_owned(),
        "csv".to_owned(),
        file.display().to_string(),
    ];
    if let Ran::Done(doc) = me.run(&args).await? {
        if doc["imported"].as_u64() != Some(tags.len() as u64) {
            bail!("import csv on laptop {laptop}: {doc}");
        }
        let listings = me.listings().await?;
        let mut m = world.model();
        for tag in &tags {
            let found = listings.iter().find(|l| {
                l["titles"]["en"]
                    .as_str()
                    .is_some_and(|t| t.ends_with(tag.as_str()))
            });
            match found {
                Some(l) => m.created(laptop, tag, l),
                None => bail!("imported row {tag} is not in laptop {laptop}'s list"),
            }
        }
    }
    Ok(())
}

fn free_disk(world: &World) {
    let filler = world.dir.join("market").join("filler");
    let _ = std::fs::remove_file(filler);
    world.disk_full.store(false, Ordering::SeqCst);
}

async fn inject_faults(
    world: &World,
    stop: &AtomicBool,
    observer: &check::Observer,
    rng: &mut StdRng,
) -> Result<()> {
    let mut market_restarts = 0;
    let mut rejected = false;
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..1200))).await;
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let laptop = rng.random_range(0..2usize);
        let shaper = &world.shapers[world.link[laptop]];
        match rng.random_range(0..100) {
            0..25 => {
                world.laptops[laptop].kill_watcher().await;
                world.fault("kill_watcher");
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..1500))).await;
                world.laptops[laptop].start_watcher()?;
            }
            25..45 => {
                shaper.cut_now();
                world.fault("connection_reset");
            }
            45..57 => {
                let length = Duration::from_millis(rng.random_range(300..3000));
                shaper.stall_now(length);
                let mut until = world
                    .stalled_until
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                *until = (*until).max(Instant::now() + length);
                world.fault("stall");
            }
            57..70 => {
                shaper.set_truncate_every(Some(rng.random_range(2..5)));
                world.fault("truncated_responses");
                tokio::time::sleep(Duration::from_millis(rng.random_range(300..2500))).await;
                shaper.set_truncate_every(None);
            }
            70..78 if market_restarts < 2 => {
                market_restarts += 1;
                let mut market = world.market.lock().await;
                market.kill().await;
                world.fault("market_killed");
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..2000))).await;
                market.start().await?;
            }
            78..86 if world.env.tmpfs => {
                // Fill the marketplace's disk, hold, free it.
                let filler = world.dir.join("market").join("filler");
                world.disk_full.store(true, Ordering::SeqCst);
                let _ = std::fs::write(&filler, vec![0u8; 64 * 1024 * 1024]);
                world.fault("server_disk_full");
                tokio::time::sleep(Duration::from_millis(rng.random_range(500..3000))).await;
                free_disk(world);
            }
            86..92 if world.env.faketime.is_some() => {
                let l = &world.laptops[laptop];
                if !l.clock_back.swap(true, Ordering::SeqCst) {
                    // Its next processes see the clock an hour back.
                    l.kill_watcher().await;
                    l.start_watcher()?;
                    world.fault("clock_back_1h");
                }
            }
            92..96 if !rejected => {
                // An operator rejects a listing the marketplace has.
                let on_server = observer.listings().await.unwrap_or_default();
                let ids: Vec<String> = on_server
                    .iter()
                    .filter(|l| !l["deleted"].as_bool().unwrap_or(false))
                    .filter_map(|l| l["listing_id"].as_str().map(str::to_owned))
                    .collect();
                if let Some(id) = ids.choose(rng) {
                    let market = world.market.lock().await;
                    if market
                        .admin(&[
                            "listing", "reject", id, "--reason", "torture", "--by", "torture",
                        ])
                        .await
                        .is_ok()
                    {
                        rejected = true;
                        if let Some(e) = world.model().by_id_mut(id) {
                            e.rejected = true;
                        }
                        world.fault("operator_rejected");
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
