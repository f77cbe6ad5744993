use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::{ListingId, SettingKey, Store};
use url::Url;

use crate::error::{Error, Result};
use crate::{Clock, download, enroll, photos, pull, push};

/// The one store connection of the process (one writer), shared by the UI
/// commands and the engine. Only ever locked inside `spawn_blocking`.
pub type SharedStore = Arc<Mutex<Store>>;

#[derive(Debug, Clone)]
pub struct Config {
    /// Shown to the marketplace's admins in `device list`.
    pub device_name: String,
    /// Listings per push request.
    pub batch_size: usize,
    /// First and longest wait between failed attempts.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// How often to look again when everything went well.
    pub idle_interval: Duration,
    /// Whole-request limit; a stalled link is abandoned after this.
    pub request_timeout: Duration,
    /// Bytes per tus PATCH: small enough to get through a 2G link within
    /// `request_timeout`, and all a cut-off chunk costs.
    pub upload_chunk_bytes: usize,
    /// Photo bytes one pass may download before it ends (the next pass
    /// starts at once and goes on): a laptop catching up on a whole
    /// catalog's photos still pushes its own edits in between.
    pub download_bytes_per_pass: u64,
    /// Where the photo files are (`<dir>/photos/ab/….jpg`); `None`: next
    /// to the catalog file, where the app and the CLI put them.
    pub photos_dir: Option<PathBuf>,
    /// Ask the system whether the link is metered when the manager has not
    /// said (NetworkManager on Linux); tests turn it off.
    pub detect_metered: bool,
    /// Start with "send photos now" on (`hanout sync --send-photos`).
    pub send_photos_now: bool,
    /// Look for app updates at the end of passes (`update.rs`); the
    /// desktop app sets it, the CLI and tests mostly do not.
    pub app_update: Option<crate::update::AppUpdateConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            device_name: "Hanout".to_owned(),
            batch_size: protocol::MAX_PUSH_CHANGES,
            retry_min: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            idle_interval: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
            upload_chunk_bytes: 256 * 1024,
            download_bytes_per_pass: 2 * 1024 * 1024,
            photos_dir: None,
            detect_metered: true,
            send_photos_now: false,
            app_update: None,
        }
    }
}

#[derive(Clone)]
pub struct Engine {
    pub(crate) store: SharedStore,
    pub(crate) client: reqwest::Client,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<Config>,
    /// Bytes per PATCH now: shrinks when chunks time out on a slow link,
    /// grows back to `upload_chunk_bytes` when they get through.
    pub(crate) chunk_bytes: Arc<AtomicUsize>,
    /// The link's measured rate (`pace.rs`) and the photos on their way
    /// (`photos/`), for chunk sizes and for [`Engine::uploading`].
    pub(crate) pace: Arc<crate::pace::Pace>,
    pub(crate) uploading: Arc<Mutex<Option<crate::photos::UploadCounts>>>,
    /// Bytes on the wire and the day's budget (`meter.rs`).
    pub(crate) meter: Arc<crate::meter::Meter>,
    /// Headers the client adds to every request (counted by the meter).
    pub(crate) default_headers: Arc<reqwest::header::HeaderMap>,
    /// Display-size photos go on a metered link this once ("send photos
    /// now"), until a pass has sent them all.
    pub(crate) photos_now: Arc<std::sync::atomic::AtomicBool>,
    /// Whether this pass holds back display-size photos (metered link).
    pub(crate) holding_photos: Arc<std::sync::atomic::AtomicBool>,
    /// Whether this pass runs on a metered link.
    pub(crate) metered: Arc<std::sync::atomic::AtomicBool>,
    /// The manager said: fetch the app update even on a metered link.
    pub(crate) update_now: Arc<std::sync::atomic::AtomicBool>,
}

impl Engine {
    pub fn new(store: SharedStore, clock: Arc<dyn Clock>, config: Config) -> Result<Engine> {
        use reqwest::header::{ACCEPT_ENCODING, HeaderMap, HeaderValue, USER_AGENT};
        let mut headers = HeaderMap::new();
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("hanout/", env!("CARGO_PKG_VERSION"))),
        );
        // Answers are un-gzipped by `Engine::body`, after the meter counted
        // them as they travelled.
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let client = reqwest::Client::builder()
            .default_headers(headers.clone())
            .gzip(false)
            .connect_timeout(Duration::from_secs(15))
            .timeout(config.request_timeout)
            .build()?;
        Ok(Engine {
            store,
            client,
            clock,
            meter: Arc::default(),
            default_headers: Arc::new(headers),
            photos_now: Arc::new(std::sync::atomic::AtomicBool::new(config.send_photos_now)),
            holding_photos: Arc::default(),
            metered: Arc::default(),
            update_now: Arc::default(),
            chunk_bytes: Arc::new(AtomicUsize::new(config.upload_chunk_bytes.max(1))),
            pace: Arc::default(),
            uploading: Arc::default(),
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// "Send photos now": the next passes send display-size photos even on
    /// a metered link, until all that wait are sent.
    pub fn send_photos_now(&self) {
        self.photos_now.store(true, Ordering::Relaxed);
    }

    /// The photos on their way up now, with the measured rate and the time
    /// left at it (`None`: no upload going on).
    pub fn uploading(&self) -> Option<crate::Uploading> {
        let counts = self
            .uploading
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        Some(counts.snapshot(&self.pace, tokio::time::Instant::now()))
    }

    /// Runs `f` on the store off the async runtime.
    pub(crate) async fn with_store<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> store::Result<T> + Send + 'static,
    {
        let store = self.store.clone();
        let out = tokio::task::spawn_blocking(move || {
            let asked = std::time::Instant::now();
            let mut guard = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let got = asked.elapsed();
            let out = f(&mut guard);
            store::log_slow_use(std::any::type_name::<F>(), got, asked.elapsed() - got);
            out
        })
        .await??;
        Ok(out)
    }

    /// The directory holding `photos/`.
    pub(crate) async fn photos_root(&self) -> Result<PathBuf> {
        if let Some(dir) = &self.config.photos_dir {
            return Ok(dir.clone());
        }
        let catalog = self.with_store(|s| Ok(s.path().to_owned())).await?;
        Ok(catalog.parent().map(PathBuf::from).unwrap_or_default())
    }

    pub(crate) async fn market_url(&self) -> Result<Url> {
        let url = self
            .with_store(|s| s.setting(SettingKey::MarketUrl))
            .await?;
        let url = url
            .and_then(|u| Url::parse(&u).ok())
            .ok_or(Error::NotConfigured)?;
        // Set before this rule existed, or by hand: still never in clear.
        crate::check_market_url(&url).map_err(|_| Error::Insecure)?;
        Ok(url)
    }
}

impl Report {
    /// Counts what a [`push_all`] run beside this report's pass pushed.
    fn add_pushed(&mut self, pushed: &Report) {
        self.accepted += pushed.accepted;
        self.rejected += pushed.rejected;
        self.conflicts += pushed.conflicts;
        if pushed.clock_skew_ms.is_some() {
            self.clock_skew_ms = pushed.clock_skew_ms;
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Changes the marketplace now has (applied now or before).
    pub accepted: usize,
    /// Changes it refused for good.
    pub rejected: usize,
    /// Accepted changes of which the server kept another laptop's later
    /// values for some fields; the merged listing was taken in.
    pub conflicts: usize,
    /// Photos uploaded (the server lacked them).
    pub photos_uploaded: usize,
    /// Photo bytes put on the wire (a chunk sent twice counts twice).
    pub photo_bytes_sent: u64,
    /// Uploads that went on from where an earlier attempt stopped.
    pub uploads_resumed: usize,
    /// Listings whose photo lists were set on the server.
    pub photo_lists_set: usize,
    /// Photo lists the server refused because another laptop had changed
    /// them meanwhile; merged here, sent on the next pass.
    pub photo_lists_merged: usize,
    /// Listings the server said changed since the last pull.
    pub pulled: usize,
    /// Local listings that changed because of them (content, deletion,
    /// moderation): the window should reload.
    pub pulled_changed: usize,
    /// Photo files downloaded (pulled listings named them, this laptop
    /// lacked them) and their bytes.
    pub photos_downloaded: usize,
    pub photo_bytes_received: u64,
    /// Downloads that failed (tried again next pass).
    pub photo_downloads_failed: usize,
    /// The pass stopped downloading at its byte budget: more wait.
    pub photo_downloads_more: bool,
    /// This device's clock minus the marketplace's, as of the last push
    /// answer (`None`: no push answered this pass).
    pub clock_skew_ms: Option<i64>,
    /// Display-size photos held back on a metered link (their thumbnails
    /// went), and the bytes they wait with.
    pub photos_held: usize,
    pub photo_bytes_held: u64,
    /// Photos that could not be sent this pass for another reason.
    pub photos_upload_failed: usize,
    /// The day's data budget ran out: the pass stopped at a clean point.
    pub budget_reached: bool,
    /// With the budget spent or photos held: the bytes of the photo files
    /// still to go (at most: some may be on the server already).
    pub photo_bytes_waiting: u64,
    /// Bytes this pass put on the wire and took off it (HTTP messages:
    /// what the daily budget counts).
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// Where the app's update stands, when the engine looks for them.
    pub app_update: Option<crate::update::AppUpdate>,
}

/// One pass: enroll if needed; upload the photos the server lacks for the
/// listings whose photo sets changed; push every pending change in
/// batches; pull what changed on the server (a photo list changed here is
/// merged with the server's then); set the changed photo lists (only now
/// does the server know the new listings, and only now has it every blob
/// they name); then download the photos pulled listings name and this
/// laptop lacks.
pub async fn sync_once(engine: &Engine) -> Result<Report> {
    let prefs = engine.with_store(|s| s.sync_prefs()).await?;
    if prefs.paused {
        return Err(Error::Paused);
    }
    let now = engine.clock.now_ms();
    let used = engine.with_store(move |s| s.data_used(now)).await?;
    engine.meter.start_pass(prefs.daily_budget_bytes, used);
    let metered = match prefs.metered {
        Some(said) => said,
        None if engine.config.detect_metered => {
            crate::metered::system_metered().await.unwrap_or(false)
        }
        None => false,
    };
    let photos_now = engine.photos_now.load(Ordering::Relaxed);
    engine.metered.store(metered, Ordering::Relaxed);
    engine
        .holding_photos
        .store(metered && !photos_now, Ordering::Relaxed);
    let mut report = Report::default();
    let (up, down) = engine.meter.totals();
    let result = pass(engine, &mut report).await;
    let (up_after, down_after) = engine.meter.totals();
    (report.bytes_up, report.bytes_down) = (up_after - up, down_after - down);
    // Whatever happened, what went over the wire counts.
    let flushed = engine.flush_meter().await;
    match result {
        Ok(()) => {}
        // Stopped at a clean point: what is left waits for tomorrow.
        Err(Error::BudgetReached) => report.budget_reached = true,
        Err(e) => return Err(e),
    }
    flushed?;
    if report.budget_reached || report.photos_held > 0 {
        report.photo_bytes_waiting = photos::bytes_waiting(engine).await?;
    }
    if photos_now && report.photos_held == 0 && report.photos_upload_failed == 0 {
        engine.photos_now.store(false, Ordering::Relaxed);
    }
    Ok(report)
}

async fn pass(engine: &Engine, report: &mut Report) -> Result<()> {
    let base = engine.market_url().await?;
    let token = enroll::token(engine, &base).await?;
    // Listings first: a few kilobytes that must never wait behind a photo
    // crawling over a 2G link. Their photos follow: every listing's
    // thumbnails (the server shows a listing's photos once their
    // thumbnails are there), then the display-size photos.
    //
    // Which photos the server lacks is asked while the listings go (on a
    // second connection, which the uploads then use): the answer does not
    // depend on the push, and a round trip on a 300 ms link is worth 37 KB
    // of photo.
    //
    // Only about the first listings' photos, though (the smallest, which
    // go first): the question for a whole catalogue is 130 bytes a photo
    // each way (156 KB for 200 listings: a second at 1 Mbit/s before any
    // photo could go); the rest is asked while their thumbnails go.
    let before = engine.with_store(|s| s.photo_sets_to_send()).await?;
    let first_wave = photos::first_wave(engine, &before).await?;
    let (hashes, beyond): (Vec<_>, Vec<_>) = photos::Asked::hashes_of(&before)
        .into_iter()
        .partition(|h| first_wave.hashes.contains(h));
    let uploads_likely = !hashes.is_empty();
    let asking = async {
        if hashes.is_empty() {
            return Ok(photos::Asked::default());
        }
        photos::Asked::ask(engine, &base, &token, hashes).await
    };
    // With photos to send, the connections the uploads will use open now
    // too, beside the push's and the question's: a new connection costs a
    // round trip of an idle link when the uploads begin.
    let warming = async {
        if uploads_likely {
            photos::warm_up(engine, &base).await;
        }
    };
    // More photos than the first question asks about: the first
    // listings go ahead of the others, text and thumbnails (their text
    // first, then their thumbnails while the other listings' text goes
    // and the marketplace is asked about the other photos), so the first
    // listing is live a few round trips after the pass starts however big
    // the catalogue. Not within a day's budget: there every listing's
    // text goes before any photo, so a budget spent on photos never keeps
    // a listing off the marketplace.
    let split =
        engine.meter.left().is_none() && !first_wave.listings.is_empty() && !beyond.is_empty();
    let lead = split.then_some(&first_wave.listings);
    let (pushed, answer, ()) = tokio::join!(
        push_all(engine, &base, &token, report, lead),
        asking,
        warming
    );
    pushed?;
    let answer = answer?;
    // Read again: the push made new listings live (their lists may go now).
    let sets = engine.with_store(|s| s.photo_sets_to_send()).await?;
    let mut failed_photos = HashSet::new();
    let (asked, since, sets_left) = if split {
        // The first listings' thumbnails (the very first alone), then,
        // while the rest of the listings are pushed and the marketplace is
        // asked about the other photos, the other first listings';
        // then every other listing's thumbnails, then the display photos
        // (the server shows a listing once its thumbnails are there:
        // every listing is live before any display photo goes).
        let first: Vec<_> = sets
            .iter()
            .filter(|s| first_wave.listings.contains(&s.listing_id))
            .cloned()
            .collect();
        let rest_hashes: Vec<String> = photos::Asked::hashes_of(&sets)
            .into_iter()
            .filter(|h| !answer.hashes.contains(h))
            .collect();
        let since = engine.pace.moved();
        // The first listing's thumbnails alone on the link: the other
        // listings' text and the question about the other photos (80 KB
        // each way for 200 listings) would take a share of it.
        let (lead, others): (Vec<_>, Vec<_>) = first
            .iter()
            .cloned()
            .partition(|s| Some(s.listing_id) == first_wave.lead);
        failed_photos.extend(
            photos::upload_missing(
                engine,
                &base,
                &token,
                &lead,
                &answer,
                photos::Scope::Thumbnails,
                report,
            )
            .await?,
        );
        let mut rest_pushed = Report::default();
        let (pushed, sent, rest_answer) = tokio::join!(
            push_all(engine, &base, &token, &mut rest_pushed, None),
            photos::upload_missing(
                engine,
                &base,
                &token,
                &others,
                &answer,
                photos::Scope::Thumbnails,
                report,
            ),
            photos::Asked::ask(engine, &base, &token, rest_hashes),
        );
        report.add_pushed(&rest_pushed);
        pushed?;
        failed_photos.extend(sent?);
        // Read again: the other listings are live now (their lists may go
        // ahead of their photos), and lists set meanwhile are not sent again.
        let left = engine.with_store(|s| s.photo_sets_to_send()).await?;
        (answer.and(rest_answer?, &first), Some(since), left)
    } else {
        // The first question was about all of them.
        (answer, None, sets.clone())
    };
    failed_photos.extend(
        photos::upload_missing(
            engine,
            &base,
            &token,
            &sets_left,
            &asked,
            photos::Scope::All { since },
            report,
        )
        .await?,
    );
    pull::pull_all(engine, &base, &token, report).await?;
    // Read again: a set merged by the pull, or changed while this pass
    // ran, may name photos not asked about above: ask (and upload) for
    // those sets now.
    let asked: HashSet<(ListingId, String)> =
        sets.into_iter().map(|s| (s.listing_id, s.key)).collect();
    let sets = engine.with_store(|s| s.photo_sets_to_send()).await?;
    let changed: Vec<_> = sets
        .iter()
        .filter(|s| !asked.contains(&(s.listing_id, s.key.clone())))
        .cloned()
        .collect();
    if !changed.is_empty() {
        // Asked anew: some of what the first answer lacked went up since.
        let fresh = photos::Asked::default();
        failed_photos.extend(
            photos::upload_missing(
                engine,
                &base,
                &token,
                &changed,
                &fresh,
                photos::Scope::All { since: None },
                report,
            )
            .await?,
        );
    }
    report.photos_upload_failed = failed_photos.len().saturating_sub(report.photos_held);
    // Read again: the lists set above (as their photos arrived) are not
    // sent twice.
    let sets = engine.with_store(|s| s.photo_sets_to_send()).await?;
    photos::set_photo_lists(engine, &base, &token, &sets, &failed_photos, report).await?;
    download::download_wanted(engine, &base, &token, report).await?;
    // Last: an app update never waits in front of a listing or a photo.
    crate::update::step(engine, &base, report).await?;
    Ok(())
}

/// Pushes every pending change (`only`: of those listings), in batches of
/// up to `batch_size`. Each
/// change is frozen before it first goes out, so a change whose answer was
/// lost goes again exactly as it went, and the edits made since follow in a
/// change of their own. A batch the server finds too big (413) is halved
/// until it fits; a single change too big for it is refused for good.
async fn push_all(
    engine: &Engine,
    base: &Url,
    token: &str,
    report: &mut Report,
    only: Option<&HashSet<ListingId>>,
) -> Result<()> {
    let mut limit = engine.config.batch_size.max(1);
    // Edits made while this runs are picked up too, but a pass ends.
    for _ in 0..MAX_PUSH_ROUNDS {
        let batch = limit;
        let pending = match only {
            None => engine.with_store(move |s| s.pending_changes(batch)).await?,
            Some(only) => {
                // Read whole (a local query): those listings' changes may
                // come after others'.
                let all = engine
                    .with_store(|s| s.pending_changes(ALL_PENDING))
                    .await?;
                all.into_iter()
                    .filter(|p| only.contains(&p.listing_id))
                    .take(batch)
                    .collect()
            }
        };
        if pending.is_empty() {
            break;
        }
        let request = push::plan(&pending);
        let sends = pending
            .iter()
            .zip(&request.changes)
            .filter(|(p, _)| p.frozen.is_none())
            .map(|(p, c)| Ok((p.listing_id, p.change_id, p.seq, serde_json::to_string(c)?)))
            .collect::<std::result::Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| Error::Protocol(e.to_string()))?;
        engine.with_store(move |s| s.freeze_sends(&sends)).await?;
        let response = match push::send(engine, base, token, &request).await {
            Err(Error::TooLarge) if pending.len() > 1 => {
                limit = pending.len() / 2;
                tracing::info!(limit, "push too large for the marketplace; splitting");
                continue;
            }
            Err(Error::TooLarge) => {
                // One listing the server will never take in one request.
                let refused = vec![(
                    pending[0].listing_id,
                    pending[0].seq,
                    store::PushAck::Rejected {
                        reason: "too_large".to_owned(),
                    },
                )];
                let now = engine.clock.now_ms();
                engine
                    .with_store(move |s| s.record_acks(&refused, now))
                    .await?;
                report.rejected += 1;
                continue;
            }
            other => other?,
        };
        let acks = push::acks(&pending, &response)?;
        let accepted = acks
            .iter()
            .filter(|(_, _, a)| *a == store::PushAck::Accepted)
            .count();
        report.accepted += accepted;
        report.rejected += acks.len() - accepted;
        if let Some(server_ms) = response.server_time_ms {
            report.clock_skew_ms = Some(engine.clock.now_ms() - server_ms);
        }
        let now = engine.clock.now_ms();
        let versions: Vec<(ListingId, i64)> = pending
            .iter()
            .zip(&response.results)
            .filter_map(|(p, r)| Some((p.listing_id, r.version?)))
            .collect();
        let stocks: Vec<(ListingId, i64)> = pending
            .iter()
            .zip(&response.results)
            .filter_map(|(p, r)| Some((p.listing_id, r.stock?)))
            .collect();
        let merged: Vec<_> = push::conflicts(&pending, &response)
            .into_iter()
            .filter_map(|(id, listing, lost, version)| {
                Some((id, pull::content(&listing)?, lost, version))
            })
            .collect();
        report.conflicts += merged.len();
        engine
            .with_store(move |s| {
                s.record_acks(&acks, now)?;
                s.record_versions(&versions)?;
                // After the acks: a listing edited again since keeps its edit.
                for (id, content, lost, version) in merged {
                    s.take_merged(id, content, &lost, version, now)?;
                }
                s.take_server_stocks(&stocks)?;
                Ok(())
            })
            .await?;
        tracing::info!(sent = pending.len(), "pushed a batch");
    }
    Ok(())
}

/// Push requests one pass makes at most (each answers at least one change;
/// a manager typing all through a pass does not keep it going forever).
const MAX_PUSH_ROUNDS: usize = 100;

/// `pending_changes` limit that reads them all.
const ALL_PENDING: usize = 1 << 40;
