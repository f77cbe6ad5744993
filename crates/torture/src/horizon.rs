//! `--horizon`: the 30-day offline horizon. Laptop A makes a month of a
//! cooperative's typical changes with no link (the marketplace is down the
//! whole time; with libfaketime each day's commands run with A's clock on
//! that day, a month ago to yesterday) through the same `hanout` commands
//! as the trials' workload; then the marketplace is back, A syncs once
//! (`hanout sync`, timed, its bytes counted by its link shaper), then
//! laptop B syncs, and the trials' checker compares the three.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use test_support::shaper::{LinkSpec, Shaper};

use crate::check;
use crate::pool::Pool;
use crate::procs::{Backing, Bins, Env, Laptop, Ran};
use crate::trial::{self, World};

const DAYS: u64 = 30;
/// A month of a busy cooperative: ten new listings a day, a hundred edits
/// (prices, titles, stock from sales, status), three photo imports of one
/// to three photos.
const LISTINGS_PER_DAY: u64 = 10;
const EDITS_PER_DAY: u64 = 100;
const PHOTO_IMPORTS_PER_DAY: u64 = 3;
/// Sync passes a laptop may need once back (the first is what is timed).
const MAX_PASSES: u32 = 20;

pub async fn run(
    seed: u64,
    dir: &Path,
    bins: &Bins,
    env: &Env,
    pool: &Pool,
    backing: Backing,
    out: &Path,
) -> Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(dir)?;
    let mut market = crate::procs::Market::new(bins, &dir.join("market"), backing)?;
    market
        .admin(&[
            "coop",
            "add",
            "--slug",
            "horizon",
            "--name",
            "Coopérative Horizon",
        ])
        .await?;
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(market.admin(&["device", "code", "horizon"]).await?);
    }
    market.start().await?;
    let shapers = vec![
        Shaper::start(market.addr, LinkSpec::default()).await?,
        Shaper::start(market.addr, LinkSpec::default()).await?,
    ];
    let a = Laptop::new("A", &dir.join("a"), bins, env)?;
    let b = Laptop::new("B", &dir.join("b"), bins, env)?;
    a.ok(&["connect", &shapers[0].url(), "--code", &codes[0]])
        .await?;
    b.ok(&["connect", &shapers[1].url(), "--code", &codes[1]])
        .await?;
    let observer = check::Observer::enroll(&market.url(), &codes[2]).await?;
    // The month without a link: no marketplace to reach.
    market.kill().await;
    let world = World::new(seed, [a, b], shapers, market, pool, dir, env);

    let mut rng = StdRng::seed_from_u64(seed);
    let month = Instant::now();
    let mut n = 0;
    let mut imports = 0u64;
    for day in 0..DAYS {
        if env.faketime.is_some() {
            *world.laptops[0]
                .clock_offset
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(format!("-{}d", DAYS - day));
        }
        for _ in 0..LISTINGS_PER_DAY {
            n += 1;
            trial::create(&world, 0, &mut rng, n, None).await?;
        }
        for _ in 0..EDITS_PER_DAY {
            let targets = world.model().targets(0);
            let id = targets.choose(&mut rng).context("no listing")?.clone();
            match rng.random_range(0..100) {
                0..55 => trial::edit_field(&world, 0, &mut rng, &id, None).await?,
                55..88 => trial::stock_delta(&world, 0, &mut rng, &id).await?,
                _ => trial::set_status(&world, 0, &mut rng, &id).await?,
            }
        }
        for _ in 0..PHOTO_IMPORTS_PER_DAY {
            let targets = world.model().targets(0);
            let id = targets.choose(&mut rng).context("no listing")?.clone();
            trial::import_photos(&world, 0, &mut rng, &id, None).await?;
            imports += 1;
        }
        let (listings, edits) = {
            let m = world.model();
            (m.listings.len(), m.edits)
        };
        eprintln!(
            "horizon: day {} done ({listings} listings, {edits} edits so far)",
            day + 1
        );
    }
    let month = month.elapsed();
    *world.laptops[0]
        .clock_offset
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = None;

    // Back online.
    world.market.lock().await.start().await?;
    let a_sync = sync_until_quiet(&world.laptops[0], &world.shapers[0]).await?;
    let b_sync = sync_until_quiet(&world.laptops[1], &world.shapers[1]).await?;
    // A once more: it pulls back what the marketplace decided (nothing new).
    let a_again = sync_until_quiet(&world.laptops[0], &world.shapers[0]).await?;

    let mut model = std::mem::take(&mut *world.model());
    let report = check::check(&world.laptops, &observer, &mut model).await?;
    let mut problems = report.problems;
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
    let photos: usize = model.listings.values().map(|e| e.photos_acked.len()).sum();
    let summary = json!({
        "seed": seed,
        "days": DAYS,
        "clock_per_day": env.faketime.is_some(),
        "listings": model.listings.len(),
        "listings_on_server": report.listings,
        "edits_acknowledged": model.edits,
        "photo_imports": imports,
        "photos": photos,
        "photo_bytes_stored": report.photo_bytes,
        "offline_month_s": month.as_secs_f64(),
        "a_first_sync": a_sync.first,
        "a_passes": a_sync.passes,
        "a_until_quiet_ms": a_sync.took.as_millis() as u64,
        "a_up_bytes": a_sync.up,
        "a_down_bytes": a_sync.down,
        "b_passes": b_sync.passes,
        "b_until_quiet_ms": b_sync.took.as_millis() as u64,
        "b_up_bytes": b_sync.up,
        "b_down_bytes": b_sync.down,
        "b_first_sync": b_sync.first,
        "a_after_b_passes": a_again.passes,
        "converged": problems.is_empty() && a_sync.quiet && b_sync.quiet,
        "problems": problems.iter().map(|p| json!({"kind": p.kind.as_str(), "what": p.what})).collect::<Vec<_>>(),
        "wall_time_s": started.elapsed().as_secs_f64(),
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&summary)? + "\n")?;
    println!(
        "\n== torture --horizon: {} listings, {} acknowledged edits, {} photos ({} imports) made offline over {DAYS} days ({:.0} s of commands)\n\
         A's one sync: {:.1} s, up {} bytes, down {} bytes ({} pushed, {} photos uploaded, all done: {}); {} pass(es) until quiet\n\
         B's sync: {:.1} s in {} pass(es), up {} bytes, down {} bytes\n\
         checker: {}\n\
         figures in {}",
        model.listings.len(),
        model.edits,
        photos,
        imports,
        month.as_secs_f64(),
        a_sync.first_took.as_secs_f64(),
        a_sync.first_up,
        a_sync.first_down,
        a_sync.first["pushed"],
        a_sync.first["photos_uploaded"],
        a_sync.first["all_done"],
        a_sync.passes,
        b_sync.took.as_secs_f64(),
        b_sync.passes,
        b_sync.up,
        b_sync.down,
        if problems.is_empty() {
            "converged (nothing lost, duplicated, diverged, corrupt or left over)".to_owned()
        } else {
            format!("{} problem(s)", problems.len())
        },
        out.display()
    );
    for p in &problems {
        eprintln!("  {}: {}", p.kind.as_str(), p.what);
    }
    anyhow::ensure!(
        problems.is_empty() && a_sync.quiet && b_sync.quiet,
        "the horizon did not converge; data kept in {}",
        dir.display()
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

struct Synced {
    /// The first pass's JSON, its time and bytes.
    first: Value,
    first_took: Duration,
    first_up: u64,
    first_down: u64,
    passes: u32,
    /// All passes.
    took: Duration,
    up: u64,
    down: u64,
    quiet: bool,
}

/// `hanout sync` on `laptop` until a pass moves nothing.
async fn sync_until_quiet(laptop: &Laptop, shaper: &Shaper) -> Result<Synced> {
    let before = shaper.counters();
    let started = Instant::now();
    let mut synced = Synced {
        first: Value::Null,
        first_took: Duration::ZERO,
        first_up: 0,
        first_down: 0,
        passes: 0,
        took: Duration::ZERO,
        up: 0,
        down: 0,
        quiet: false,
    };
    while synced.passes < MAX_PASSES {
        synced.passes += 1;
        let doc = match laptop.run(&["sync".to_owned()]).await? {
            Ran::Done(doc) => doc,
            Ran::Refused(kind, message) => json!({"refused": kind, "message": message}),
            Ran::Killed => Value::Null,
        };
        if synced.passes == 1 {
            let now = shaper.counters();
            synced.first = doc.clone();
            synced.first_took = started.elapsed();
            synced.first_up = now.up_bytes - before.up_bytes;
            synced.first_down = now.down_bytes - before.down_bytes;
        }
        let moved = [
            "pushed",
            "pulled",
            "photos_uploaded",
            "photos_downloaded",
            "waiting",
            "photos_waiting",
            "downloads_waiting",
        ]
        .iter()
        .any(|k| doc[k].as_u64().unwrap_or(0) > 0);
        if doc.get("refused").is_none() && !moved {
            synced.quiet = true;
            break;
        }
    }
    let now = shaper.counters();
    synced.took = started.elapsed();
    synced.up = now.up_bytes - before.up_bytes;
    synced.down = now.down_bytes - before.down_bytes;
    Ok(synced)
}
