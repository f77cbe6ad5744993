//! Syncing a catalog from outside the desktop app: `hanout sync` (one
//! pass) and `hanout sync --watch` (keeps syncing), with one syncer per
//! catalog at a time.
//!
//! The rule is the writer lock (`store::lock_writer`): the desktop app holds
//! it for its whole life and syncs itself; a headless syncer takes it for one
//! pass at a time and, when the app holds it, says so and waits. An app that
//! starts while a pass runs asks for the catalog ([`request_handover`]): the
//! pass is dropped where it stands (every step is safe to cut: that is the
//! engine's promise for a `kill -9` too) and the lock released at once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::error::{Error, ErrorKind, Result};
use crate::{Clock, Config, Engine, Report, sync_once};

/// The file an app that wants the catalog creates in the data directory.
const HANDOVER_FILE: &str = "sync-handover";
/// A handover request older than this is stale (its app died before taking
/// the catalog and removing the file).
const HANDOVER_STALE: Duration = Duration::from_secs(60);
/// How often a watcher looks for local changes, handover requests and,
/// while offline, whether the marketplace answers again.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Asks a headless syncer holding the catalog to let it go now.
pub fn request_handover(data_dir: &Path) -> std::io::Result<()> {
    std::fs::write(data_dir.join(HANDOVER_FILE), b"")
}

/// Removes the request once the catalog is taken.
pub fn clear_handover(data_dir: &Path) {
    let _ = std::fs::remove_file(data_dir.join(HANDOVER_FILE));
}

fn handover_requested(data_dir: &Path) -> bool {
    std::fs::metadata(data_dir.join(HANDOVER_FILE))
        .and_then(|m| m.modified())
        .is_ok_and(|at| {
            SystemTime::now()
                .duration_since(at)
                .map_or(true, |age| age < HANDOVER_STALE)
        })
}

async fn handover_wanted(data_dir: &Path) {
    loop {
        if handover_requested(data_dir) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What one headless pass found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    /// The pass ran; what it did and what is left.
    Ran(Box<Summary>),
    /// The desktop app has the catalog and syncs it itself.
    AppSyncing,
}

/// A pass's report and where the catalog stands after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub report: Report,
    /// Listings with changes still waiting.
    pub waiting: u64,
    pub photos_waiting: u64,
    pub downloads_waiting: u64,
    /// Listings the marketplace refused, with its reason key.
    pub rejected: Vec<Rejected>,
    pub cooperative: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: String,
    pub title: String,
    pub reason: String,
}

impl Summary {
    /// Nothing waits and nothing was refused.
    pub fn all_done(&self) -> bool {
        self.waiting == 0
            && self.photos_waiting == 0
            && self.downloads_waiting == 0
            && self.rejected.is_empty()
    }
}

/// One pass over the catalog in `data_dir`, unless the app has it.
pub async fn sync_catalog(data_dir: &Path, config: Config, clock: Arc<dyn Clock>) -> Result<Pass> {
    let _lock = match store::lock_writer(data_dir) {
        Ok(lock) => lock,
        Err(store::Error::Locked) => return Ok(Pass::AppSyncing),
        Err(e) => return Err(e.into()),
    };
    if handover_requested(data_dir) {
        return Ok(Pass::AppSyncing);
    }
    let catalog = data_dir.join("catalog.db");
    let store = tokio::task::spawn_blocking(move || store::open(&catalog)).await??;
    let engine = Engine::new(Arc::new(Mutex::new(store)), clock, config)?;
    let report = tokio::select! {
        report = sync_once(&engine) => report?,
        () = handover_wanted(data_dir) => {
            tracing::info!("the app wants the catalog; handing over");
            return Ok(Pass::AppSyncing);
        }
    };
    let summary = engine
        .with_store(move |s| {
            let rejected = s
                .listings()?
                .into_iter()
                .filter_map(|l| match &l.sync {
                    store::SyncState::Failed { reason } => Some(Rejected {
                        id: l.id.to_string(),
                        title: l.titles.iter().next().unwrap_or_default().to_owned(),
                        reason: reason.clone(),
                    }),
                    _ => None,
                })
                .collect();
            Ok(Summary {
                report,
                waiting: s.pending_count()?,
                photos_waiting: s.photos_waiting()?,
                downloads_waiting: s.photo_downloads_waiting()?,
                rejected,
                cooperative: s.setting(store::SettingKey::CooperativeName)?,
            })
        })
        .await?;
    Ok(Pass::Ran(Box::new(summary)))
}

/// What a watcher reports as it goes.
#[derive(Debug)]
pub enum WatchEvent {
    Pass(Pass),
    /// The pass failed; `retry_in` is the wait before the next try (sooner
    /// if the marketplace answers again).
    Failed {
        error: Error,
        retry_in: Duration,
    },
}

/// Syncs the catalog in `data_dir` until `shutdown` resolves: after each
/// local change (seen within seconds), every `config.idle_interval`, and at
/// once when the marketplace can be reached again after a failure; with
/// exponential backoff and jitter while it cannot.
pub async fn watch(
    data_dir: PathBuf,
    config: Config,
    clock: Arc<dyn Clock>,
    mut on_event: impl FnMut(WatchEvent),
    shutdown: impl std::future::Future<Output = ()>,
) {
    let new_backoff = || crate::run::retry_backoff(&config);
    let mut backoff = new_backoff();
    tokio::pin!(shutdown);
    loop {
        let result = sync_catalog(&data_dir, config.clone(), clock.clone()).await;
        let marker = change_marker(&data_dir);
        let (delay, offline) = match &result {
            Ok(Pass::Ran(summary)) => {
                backoff = new_backoff();
                let delay = if summary.report.budget_reached {
                    // Tomorrow, or sooner when the settings (a larger
                    // budget) or the catalog change.
                    crate::run::until_tomorrow(clock.now_ms())
                } else if summary.report.photo_downloads_more {
                    Duration::ZERO
                } else {
                    config.idle_interval
                };
                (delay, false)
            }
            Ok(Pass::AppSyncing) => (config.idle_interval.min(Duration::from_secs(30)), false),
            Err(e) if e.kind() == ErrorKind::DiskFull => (Duration::from_secs(30), false),
            Err(e) if e.is_transient() => (backoff.next().unwrap_or(config.retry_max), true),
            // Needs the user (a new code, an address): look again now and then.
            Err(_) => (Duration::from_secs(300), false),
        };
        let market = if offline {
            market_addr(&data_dir).await
        } else {
            None
        };
        match result {
            Ok(pass) => on_event(WatchEvent::Pass(pass)),
            Err(error) => on_event(WatchEvent::Failed {
                error,
                retry_in: delay,
            }),
        }
        let wait = wait_for_reason(&data_dir, marker, delay, market);
        tokio::select! {
            () = wait => {}
            () = &mut shutdown => return,
        }
    }
}

/// Returns when it is time for the next pass: `delay` passed, the catalog
/// changed, or (when `market` is given, after a failure) the marketplace
/// accepts connections again.
async fn wait_for_reason(
    data_dir: &Path,
    marker: Marker,
    delay: Duration,
    market: Option<SocketAddr>,
) {
    let deadline = tokio::time::Instant::now() + delay;
    loop {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return;
        }
        tokio::time::sleep((deadline - now).min(LOOK_EVERY)).await;
        if change_marker(data_dir) != marker {
            return;
        }
        if let Some(addr) = market {
            let probe = tokio::net::TcpStream::connect(addr);
            if let Ok(Ok(_)) = tokio::time::timeout(LOOK_EVERY, probe).await {
                tracing::info!("the marketplace answers again");
                return;
            }
        }
    }
}

type Marker = Vec<Option<(u64, SystemTime)>>;

/// Sizes and modification times of the catalog and its WAL (each may be
/// missing: the last connection to close checkpoints and removes the WAL):
/// any commit by the app or the CLI changes them.
fn change_marker(data_dir: &Path) -> Marker {
    ["catalog.db", "catalog.db-wal"]
        .iter()
        .map(|name| {
            let meta = std::fs::metadata(data_dir.join(name)).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        })
        .collect()
}

/// The marketplace's address, to probe for the link coming back.
async fn market_addr(data_dir: &Path) -> Option<SocketAddr> {
    let catalog = data_dir.join("catalog.db");
    let url = tokio::task::spawn_blocking(move || {
        store::open(&catalog)
            .ok()?
            .setting(store::SettingKey::MarketUrl)
            .ok()?
    })
    .await
    .ok()??;
    let url = url::Url::parse(&url).ok()?;
    let host = url.host_str()?.to_owned();
    let port = url.port_or_known_default()?;
    tokio::net::lookup_host((host.as_str(), port))
        .await
        .ok()?
        .next()
}

/// Enrolls now with `code` at `market_url` (checked like the window does):
/// the marketplace's answer names the cooperative. The code stays stored
/// until the marketplace answers, so a lost answer is retried (and, with
/// the device key, answered again).
pub async fn connect(
    data_dir: &Path,
    market_url: &str,
    code: &str,
    config: Config,
    clock: Arc<dyn Clock>,
) -> Result<String> {
    let url = crate::parse_market_url(market_url).map_err(|_| Error::Insecure)?;
    let _lock = store::lock_writer(data_dir)?;
    let catalog = data_dir.join("catalog.db");
    let store = tokio::task::spawn_blocking(move || store::open(&catalog)).await??;
    let enrolled = store.setting(store::SettingKey::DeviceToken)?.is_some();
    let current = store.setting(store::SettingKey::MarketUrl)?;
    let url = url.as_str().trim_end_matches('/').to_owned();
    if enrolled && current.as_deref().is_some_and(|c| c != url) {
        return Err(Error::MarketLocked);
    }
    store.set_setting(store::SettingKey::MarketUrl, Some(&url))?;
    store.set_setting(store::SettingKey::DeviceToken, None)?;
    store.set_setting(store::SettingKey::EnrollCode, Some(code.trim()))?;
    let engine = Engine::new(Arc::new(Mutex::new(store)), clock, config)?;
    let base = engine.market_url().await?;
    crate::enroll::token(&engine, &base).await?;
    let name = engine
        .with_store(|s| s.setting(store::SettingKey::CooperativeName))
        .await?;
    Ok(name.unwrap_or_default())
}
