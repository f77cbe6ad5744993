//! One scenario: a fresh marketplace and app, the engine's run loop through
//! the shaped link, figures from the shaper's counters and the watcher.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use store::{Category, ListingInput, Localized, NewListing, PhotoRecord, Price, SettingKey, Unit};
use test_support::TestMarket;
use test_support::shaper::{LinkSpec, Shaper, Stall};
use tokio::sync::{Notify, oneshot, watch};

use crate::library::{self, Derived};
use crate::watch::Watcher;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub listings: usize,
    pub photos_per_listing: usize,
    pub kbit: u64,
    pub rtt_ms: u64,
    pub cut_every_s: Option<u64>,
    /// (every, length) in seconds.
    pub stall_s: Option<(u64, u64)>,
}

const fn rural3g(name: &'static str) -> Scenario {
    Scenario {
        name,
        listings: 200,
        photos_per_listing: 3,
        kbit: 1000,
        rtt_ms: 300,
        cut_every_s: None,
        stall_s: None,
    }
}

pub const SCENARIOS: [Scenario; 5] = [
    rural3g("rural3g"),
    Scenario {
        name: "edge",
        listings: 50,
        photos_per_listing: 3,
        kbit: 256,
        rtt_ms: 600,
        cut_every_s: None,
        stall_s: None,
    },
    Scenario {
        cut_every_s: Some(20),
        ..rural3g("cuts")
    },
    Scenario {
        stall_s: Some((60, 30)),
        ..rural3g("stalls")
    },
    Scenario {
        name: "metadata",
        listings: 1000,
        photos_per_listing: 0,
        kbit: 1000,
        rtt_ms: 300,
        cut_every_s: None,
        stall_s: None,
    },
];

impl Scenario {
    /// Fewer listings, same link; a text-only scenario keeps its count.
    pub fn scaled(&self, scale: f64) -> Scenario {
        let mut s = self.clone();
        if s.photos_per_listing > 0 {
            s.listings = ((s.listings as f64 * scale).round() as usize).max(1);
        }
        s
    }

    pub fn faults(&self) -> String {
        let mut out = String::new();
        if let Some(every) = self.cut_every_s {
            out += &format!(", every connection reset every {every} s");
        }
        if let Some((every, length)) = self.stall_s {
            out += &format!(", a {length} s stall every {every} s");
        }
        out
    }

    fn link(&self) -> LinkSpec {
        let mut link = LinkSpec::symmetric(self.kbit, Duration::from_millis(self.rtt_ms));
        link.cut_every = self.cut_every_s.map(Duration::from_secs);
        link.stall = self.stall_s.map(|(every, length)| Stall {
            every: Duration::from_secs(every),
            length: Duration::from_secs(length),
        });
        link
    }

    fn bytes_per_s(&self) -> f64 {
        self.kbit as f64 * 1000.0 / 8.0
    }
}

/// What one scenario measured.
#[derive(Debug, Clone)]
pub struct Figures {
    pub listings: usize,
    pub photos: usize,
    pub actual_s: f64,
    /// Payload ÷ link rate + one round trip + the time the link was silent.
    pub ideal_s: f64,
    pub efficiency: f64,
    /// Until the first listing was public with its photos listed and its
    /// thumbnails there (its display-size files may still be coming).
    pub first_live_s: f64,
    /// Until every listing was live so.
    pub all_live_s: f64,
    /// Until the first listing's text was public.
    pub first_text_s: f64,
    /// Three round trips plus that listing's own bytes at the link rate.
    pub first_live_goal_s: f64,
    pub overhead: f64,
    pub resent_bytes_per_cut: Option<f64>,
    pub requests: u64,
    pub requests_by_method: BTreeMap<String, u64>,
    pub wire_up_bytes: u64,
    pub wire_down_bytes: u64,
    /// Listing text (as JSON on the wire) and photo files.
    pub payload_bytes: u64,
    pub cuts: u64,
    pub silent_s: f64,
    /// Until the engine's pass ended (bytes and requests count until then).
    pub pass_end_s: f64,
    /// Bytes sent up by the same work on an unshaped link (the `cuts`
    /// reference for re-sent bytes).
    pub reference_up_bytes: Option<u64>,
}

impl Figures {
    pub fn json(&self) -> Value {
        json!({
            "efficiency": self.efficiency,
            "first_live_s": self.first_live_s,
            "all_live_s": self.all_live_s,
            "overhead": self.overhead,
            "resent_bytes_per_cut": self.resent_bytes_per_cut,
            "requests": self.requests,
            "first_text_s": self.first_text_s,
            "first_live_goal_s": self.first_live_goal_s,
            "actual_s": self.actual_s,
            "ideal_s": self.ideal_s,
            "listings": self.listings,
            "photos": self.photos,
            "payload_bytes": self.payload_bytes,
            "wire_up_bytes": self.wire_up_bytes,
            "wire_down_bytes": self.wire_down_bytes,
            "requests_by_method": self.requests_by_method,
            "cuts": self.cuts,
            "silent_s": self.silent_s,
            "pass_end_s": self.pass_end_s,
            "reference_up_bytes": self.reference_up_bytes,
        })
    }
}

/// Raw results of one run.
struct Measured {
    actual: Duration,
    first_live: Duration,
    all_live: Duration,
    first_text: Duration,
    /// Text + thumbnail bytes of the listing that went live first.
    first_listing_bytes: u64,
    payload_bytes: u64,
    counters: test_support::shaper::Counters,
    silent: Duration,
    /// When the engine's pass that made everything live was over.
    pass_end: Duration,
}

/// `reference_up_bytes`: what the same work sent up over the same link
/// without faults (rural3g's figure, when it ran at this scale); without
/// it, `cuts` measures its reference over an unshaped link first.
pub async fn run(
    spec: &Scenario,
    cache: &Path,
    reference_up_bytes: Option<u64>,
) -> Result<Figures> {
    let count = spec.listings * spec.photos_per_listing;
    let cache_dir = cache.to_owned();
    let library =
        tokio::task::spawn_blocking(move || library::photos(&cache_dir, count, 2)).await??;
    let reference_up_bytes = if spec.cut_every_s.is_none() {
        None
    } else if reference_up_bytes.is_some() {
        reference_up_bytes
    } else {
        eprintln!("   reference: the same work over an unshaped link…");
        let reference = measure(spec, &library, cache, LinkSpec::default()).await?;
        Some(reference.counters.up_bytes)
    };
    let m = measure(spec, &library, cache, spec.link()).await?;
    let rate = spec.bytes_per_s();
    let rtt = spec.rtt_ms as f64 / 1000.0;
    let ideal_s = m.payload_bytes as f64 / rate + rtt + m.silent.as_secs_f64();
    let actual_s = m.actual.as_secs_f64();
    let cuts = m.counters.cuts;
    let resent_bytes_per_cut = reference_up_bytes.map(|reference| {
        let extra = m.counters.up_bytes.saturating_sub(reference) as f64;
        if cuts == 0 { 0.0 } else { extra / cuts as f64 }
    });
    Ok(Figures {
        listings: spec.listings,
        photos: count,
        actual_s,
        ideal_s,
        efficiency: ideal_s / actual_s,
        first_live_s: m.first_live.as_secs_f64(),
        all_live_s: m.all_live.as_secs_f64(),
        first_text_s: m.first_text.as_secs_f64(),
        first_live_goal_s: 3.0 * rtt + m.first_listing_bytes as f64 / rate,
        overhead: (m.counters.up_bytes + m.counters.down_bytes) as f64 / m.payload_bytes as f64,
        resent_bytes_per_cut,
        requests: m.counters.requests,
        requests_by_method: m.counters.requests_by_method.clone(),
        wire_up_bytes: m.counters.up_bytes,
        wire_down_bytes: m.counters.down_bytes,
        payload_bytes: m.payload_bytes,
        cuts,
        silent_s: m.silent.as_secs_f64(),
        pass_end_s: m.pass_end.as_secs_f64(),
        reference_up_bytes,
    })
}

async fn measure(
    spec: &Scenario,
    library: &[Derived],
    cache: &Path,
    link: LinkSpec,
) -> Result<Measured> {
    let dir = tempfile::tempdir()?;
    let market = market::Market::open(&dir.path().join("market"))?;
    market::admin::add_cooperative(&market, "atlas", "Coopérative Atlas")?;
    let code = market::admin::enrollment_code(&market, "atlas")?;
    let watcher_code = market::admin::enrollment_code(&market, "atlas")?;
    let server = TestMarket::start(market).await;
    let shaper = Shaper::start(server.addr, link).await?;

    let app = dir.path().join("app");
    std::fs::create_dir_all(&app)?;
    library::install(cache, library, &app)?;
    let store = store::open(&app.join("catalog.db"))?;
    // The laptop was connected before (enrolment is once in its life, when
    // the manager types the code): enrolled straight to the server, not
    // through the shaped link, and not timed. The engine measured below
    // starts with no connection open.
    store.set_setting(SettingKey::MarketUrl, Some(&server.url()))?;
    store.set_setting(SettingKey::EnrollCode, Some(&code))?;
    let store = {
        let shared = Arc::new(Mutex::new(store));
        let setup = sync::Engine::new(
            shared.clone(),
            Arc::new(sync::SystemClock),
            sync::Config::default(),
        )?;
        sync::sync_once(&setup).await?;
        drop(setup);
        Arc::into_inner(shared)
            .context("the setup engine kept the store")?
            .into_inner()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))?
    };
    store.set_setting(SettingKey::MarketUrl, Some(&shaper.url()))?;
    let (store, sizes) = tokio::task::spawn_blocking({
        let spec = spec.clone();
        let library = library.to_vec();
        move || fill(store, &spec, &library)
    })
    .await??;
    let payload_bytes: u64 = sizes.values().map(|s| s.bytes).sum();
    let expected = sizes.iter().map(|(id, s)| (*id, s.photos)).collect();
    let mut watcher = Watcher::enroll(&server.url(), &watcher_code, expected).await?;

    let store = Arc::new(Mutex::new(store));
    let engine = sync::Engine::new(store, Arc::new(sync::SystemClock), sync::Config::default())?;
    let (status, mut passes) = watch::channel(sync::Status::default());
    let (stop, stopped) = oneshot::channel::<()>();
    let started = Instant::now();
    tracing::debug!("timer started");
    let task = tokio::spawn(sync::run(engine, Arc::new(Notify::new()), status, async {
        let _ = stopped.await;
    }));
    let ideal = payload_bytes as f64 / spec.bytes_per_s();
    let limit = Duration::from_secs_f64((ideal * 6.0).max(300.0));
    let done = watcher.until_done(limit).await?;
    let silent = shaper.silent_time();
    // Bytes and requests count until the engine's pass is over (its pull
    // and the rest come after the last listing went live).
    let settled = tokio::time::timeout(Duration::from_secs(300), async {
        loop {
            {
                let s = passes.borrow_and_update();
                if s.connection == sync::Connection::Online
                    && s.pending == 0
                    && s.photos_pending == 0
                {
                    return;
                }
            }
            if passes.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
    let pass_end = started.elapsed();
    if settled.is_err() {
        eprintln!("   (the engine's pass did not end within 300 s of the last listing going live)");
    }
    let counters = shaper.counters();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    if !done {
        let complete = watcher
            .seen
            .values()
            .filter(|s| s.complete.is_some())
            .count();
        bail!(
            "{}: after {:?} only {complete} of {} listings were complete on the marketplace",
            spec.name,
            started.elapsed(),
            sizes.len()
        );
    }
    let since = |t: Instant| t.saturating_duration_since(started);
    let (first_id, first_live) = watcher
        .seen
        .iter()
        .filter_map(|(id, s)| Some((*id, s.live?)))
        .min_by_key(|(_, t)| *t)
        .context("no listing went live")?;
    let all_live = watcher
        .seen
        .values()
        .filter_map(|s| s.live)
        .max()
        .context("no listing went live")?;
    let last = watcher
        .seen
        .values()
        .filter_map(|s| s.complete)
        .max()
        .context("no listing went live")?;
    let first_text = watcher
        .seen
        .values()
        .filter_map(|s| s.text)
        .min()
        .context("no listing went public")?;
    Ok(Measured {
        actual: since(last),
        first_live: since(first_live),
        all_live: since(all_live),
        first_text: since(first_text),
        first_listing_bytes: sizes[&first_id].live_bytes,
        payload_bytes,
        counters,
        silent,
        pass_end,
    })
}

/// One listing's payload.
struct Size {
    /// Text as JSON + photo files.
    bytes: u64,
    /// Text as JSON + thumbnails: what it takes to be live.
    live_bytes: u64,
    photos: usize,
}

type Sizes = HashMap<uuid::Uuid, Size>;

/// Creates the scenario's listings with their photos; returns their sizes.
fn fill(
    mut store: store::Store,
    spec: &Scenario,
    library: &[Derived],
) -> Result<(store::Store, Sizes)> {
    let now = 1_700_000_000_000;
    let mut sizes = HashMap::new();
    for i in 0..spec.listings {
        let photos = &library[i * spec.photos_per_listing..(i + 1) * spec.photos_per_listing];
        for p in photos {
            store.record_photo(
                &PhotoRecord {
                    display_sha256: p.display.clone(),
                    thumb_sha256: p.thumb.clone(),
                    width: p.width,
                    height: p.height,
                    source_name: None,
                },
                now,
            )?;
        }
        let mut input =
            ListingInput::quick(text(i, "title"), Price::parse(&format!("{}", 150 + i * 7))?);
        input.descriptions = text(i, "description");
        input.category = if i % 2 == 0 {
            Category::Carpets
        } else {
            Category::Pottery
        };
        input.unit = Unit::Piece;
        input.stock = 1 + (i % 5) as u32;
        input.materials = Some("laine de mouton, teintures végétales (henné, garance)".to_owned());
        input.origin = Some("Azilal".to_owned());
        input.region = Some("Béni Mellal-Khénifra".to_owned());
        input.dimensions = Some(format!("{} × {} cm", 120 + i % 80, 180 + i % 90));
        input.tags = vec!["fait main".to_owned(), "berbère".to_owned()];
        input.photos = photos.iter().map(|p| p.display.clone()).collect();
        let listing = store.create_listing(NewListing::validate(input)?, now + i as i64)?;
        let text_bytes = serde_json::to_vec(&sync::push::payload(&listing, None))?.len() as u64;
        let photo_bytes: u64 = photos.iter().map(|p| p.display_bytes + p.thumb_bytes).sum();
        let thumb_bytes: u64 = photos.iter().map(|p| p.thumb_bytes).sum();
        sizes.insert(
            listing.id.uuid(),
            Size {
                bytes: text_bytes + photo_bytes,
                live_bytes: text_bytes + thumb_bytes,
                photos: photos.len(),
            },
        );
    }
    Ok((store, sizes))
}

/// A listing's text in the three languages, different for each listing.
fn text(i: usize, what: &str) -> Localized {
    if what == "title" {
        Localized {
            ar: Some(format!("زربية أمازيغية منسوجة يدويا رقم {i}")),
            fr: Some(format!("Tapis berbère tissé à la main n° {i}")),
            en: Some(format!("Hand-woven Berber carpet no. {i}")),
        }
    } else {
        Localized {
            ar: Some(format!(
                "زربية من صوف الغنم، مصبوغة بألوان طبيعية، نسجتها نساء التعاونية في جبال الأطلس. القطعة {i} فريدة."
            )),
            fr: Some(format!(
                "Tapis en laine de mouton, teint avec des couleurs naturelles, tissé par les femmes de la coopérative dans le Haut Atlas. La pièce {i} est unique."
            )),
            en: Some(format!(
                "Sheep's wool carpet dyed with natural colours, woven by the cooperative's women in the High Atlas. Piece {i} is one of a kind."
            )),
        }
    }
}
