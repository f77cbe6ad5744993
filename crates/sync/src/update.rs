//! App updates, fetched the way photos are: at the end of a sync pass,
//! after the listings and photos, over the same metered, budgeted client.
//!
//! At most once per `check_every` (a day) the engine asks the marketplace
//! `GET /v1/app/update/{target}/{arch}/{version}`: 204, or a manifest in
//! tauri-plugin-updater's format. The package is downloaded **resumably**:
//! its bytes go to `<dir>/hanout-<version>-<platform>.part`, and each try
//! (in this pass, the next, or after a restart) asks for the rest with
//! `Range`, so a cut costs only what was in flight. Never on a metered link
//! unless the manager said so ([`Engine::update_now`]), never beyond the
//! day's budget. Once whole, the minisign signature is checked against the
//! app's public key (and the version it was signed for against the one
//! announced) *before* the file is kept as `.pkg`; a bad one is thrown away,
//! reported, and that signature is never fetched again. The app hands a
//! ready package to the plugin's install step (`src-tauri/src/updates.rs`).
//!
//! Why not the plugin's own `download()`: it is one GET buffered in memory
//! with no `Range` and no resume, outside the data budget.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::Engine;
use crate::engine::Report;
use crate::error::{Error, Result};

/// What the app tells the engine about itself, for updates.
#[derive(Debug, Clone)]
pub struct AppUpdateConfig {
    /// `linux`, `windows` or `darwin` (tauri-plugin-updater's names).
    pub target: String,
    /// `x86_64`, `aarch64`…
    pub arch: String,
    /// How this copy was installed (`deb`, `rpm`, `appimage`, `nsis`,
    /// `msi`, `app`): the manifest's `{target}-{arch}-{installer}` entry is
    /// taken before `{target}-{arch}`, as the plugin does.
    pub installer: Option<String>,
    /// The running version (semver).
    pub current_version: String,
    /// The updater's public key, as in `tauri.conf.json` (base64 of the
    /// minisign public key file).
    pub pubkey: String,
    /// Where the package and `update.json` are kept.
    pub dir: PathBuf,
    /// Asks the marketplace at most this often.
    pub check_every: Duration,
}

impl AppUpdateConfig {
    pub const DAILY: Duration = Duration::from_secs(24 * 3600);
}

/// Where the update stands after a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AppUpdate {
    /// Verified and kept: ask the manager to restart.
    Ready(ReadyUpdate),
    /// Part of the package is here; the rest comes in later passes.
    Downloading {
        version: String,
        have: u64,
        total: Option<u64>,
    },
    /// On a metered link: waits for another link or the manager's word.
    Held { version: String, total: Option<u64> },
    /// The package did not match its signature: thrown away.
    Refused { version: String, reason: String },
}

/// A verified package on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadyUpdate {
    pub version: String,
    /// Release notes by language (`ar`, `fr`, `en`), as the marketplace
    /// gave them.
    pub notes: BTreeMap<String, String>,
    pub package: PathBuf,
    /// The marketplace's manifest as it came: the plugin's
    /// `Updater::restore_update` reads it.
    pub manifest: serde_json::Value,
    pub signature: String,
}

/// The update the marketplace offered, kept in `update.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Offer {
    version: String,
    platform: String,
    url: String,
    signature: String,
    size: Option<u64>,
    notes: BTreeMap<String, String>,
    manifest: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Saved {
    checked_at_ms: Option<i64>,
    offer: Option<Offer>,
    /// The `.pkg` is there and verified.
    ready: bool,
    /// A signature whose package did not match: not fetched again.
    refused: Option<String>,
    refused_reason: Option<String>,
}

const STATE_FILE: &str = "update.json";

/// Largest package accepted (an AppImage is under 100 MB).
const MAX_PACKAGE_BYTES: u64 = 512 * 1024 * 1024;

/// Tries in a row that bring no byte before the step gives up until the
/// next pass.
const MAX_FRUITLESS_TRIES: u32 = 3;

/// The verified update waiting on disk, if any (what the app shows at
/// start, before any pass).
pub fn ready(config: &AppUpdateConfig) -> Option<ReadyUpdate> {
    let saved = load(&config.dir);
    let offer = saved.offer?;
    let package = package_path(&config.dir, &offer);
    (saved.ready && is_newer(&offer.version, &config.current_version) && package.is_file())
        .then(|| ready_of(&offer, package))
}

/// Checks `bytes` against a minisign `signature` and `pubkey` (both base64
/// of the text files `tauri signer` writes) and that they were signed for
/// `version` (the `version:` of the trusted comment, as the Tauri CLI
/// writes it and the plugin requires of a restored update).
pub fn verify(
    bytes: &[u8],
    signature: &str,
    pubkey: &str,
    version: &str,
) -> std::result::Result<(), String> {
    let text = |b64: &str, what: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .ok_or_else(|| format!("the {what} is not base64 text"))
    };
    let key = minisign_verify::PublicKey::decode(&text(pubkey, "public key")?)
        .map_err(|e| format!("the public key is not a minisign key: {e}"))?;
    let sig = minisign_verify::Signature::decode(&text(signature, "signature")?)
        .map_err(|e| format!("the signature is not a minisign signature: {e}"))?;
    key.verify(bytes, &sig, true)
        .map_err(|e| format!("the package does not match its signature: {e}"))?;
    // Only now is the trusted comment known to be the signer's.
    let signed = sig
        .trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"))
        .ok_or("the signature names no version")?;
    let same = match (
        semver::Version::parse(signed.trim_start_matches('v')),
        semver::Version::parse(version.trim_start_matches('v')),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => signed == version,
    };
    if same {
        Ok(())
    } else {
        Err(format!(
            "the package was signed for version {signed}, not {version}"
        ))
    }
}

impl Engine {
    /// The manager's word: download the update even on a metered link.
    pub fn update_now(&self) {
        self.update_now.store(true, Ordering::Relaxed);
    }
}

/// The pass's last step. Only the budget ends the pass with an error: an
/// update never keeps listings from syncing, and its failures wait for
/// the next pass.
pub(crate) async fn step(engine: &Engine, base: &Url, report: &mut Report) -> Result<()> {
    let Some(config) = engine.config.app_update.as_ref() else {
        return Ok(());
    };
    match step_inner(engine, config, base).await {
        Ok(state) => {
            report.app_update = state;
            Ok(())
        }
        Err(Error::BudgetReached) => Err(Error::BudgetReached),
        Err(err) => {
            tracing::warn!(error = %err, "app update: will try again next pass");
            report.app_update = load(&config.dir)
                .offer
                .map(|offer| downloading(&config.dir, &offer));
            Ok(())
        }
    }
}

async fn step_inner(
    engine: &Engine,
    config: &AppUpdateConfig,
    base: &Url,
) -> Result<Option<AppUpdate>> {
    let dir = &config.dir;
    let mut saved = load(dir);
    let now = engine.clock.now_ms();
    let every = i64::try_from(config.check_every.as_millis()).unwrap_or(i64::MAX);
    // A clock set back counts as due, not as years away.
    let due = saved
        .checked_at_ms
        .is_none_or(|at| now < at || now - at >= every);
    if due {
        let offer = check(engine, config, base).await?;
        if offer.as_ref().map(same_package) != saved.offer.as_ref().map(same_package) {
            forget_files(dir, saved.offer.as_ref());
            saved.ready = false;
            saved.offer = offer;
        } else if let (Some(kept), Some(new)) = (saved.offer.as_mut(), offer) {
            // Same package: newer notes or size are welcome.
            *kept = new;
        }
        saved.checked_at_ms = Some(now);
        save(dir, &saved)?;
    }
    let Some(offer) = saved.offer.clone() else {
        return Ok(None);
    };
    if !is_newer(&offer.version, &config.current_version) {
        // This copy is already that version (it was installed).
        forget_files(dir, Some(&offer));
        saved.offer = None;
        saved.ready = false;
        save(dir, &saved)?;
        return Ok(None);
    }
    let package = package_path(dir, &offer);
    if saved.ready && package.is_file() {
        return Ok(Some(AppUpdate::Ready(ready_of(&offer, package))));
    }
    if saved.refused.as_deref() == Some(offer.signature.as_str()) {
        return Ok(Some(AppUpdate::Refused {
            version: offer.version,
            reason: saved.refused_reason.unwrap_or_default(),
        }));
    }
    if engine.metered.load(Ordering::Relaxed) && !engine.update_now.load(Ordering::Relaxed) {
        return Ok(Some(AppUpdate::Held {
            version: offer.version,
            total: offer.size,
        }));
    }
    let partial = partial_path(dir, &offer);
    let complete = fetch(engine, &offer, &partial).await?;
    if !complete {
        return Ok(Some(downloading(dir, &offer)));
    }
    let bytes = std::fs::read(&partial).map_err(io)?;
    match verify(&bytes, &offer.signature, &config.pubkey, &offer.version) {
        Ok(()) => {
            keep(&partial, &package).map_err(io)?;
            saved.ready = true;
            save(dir, &saved)?;
            tracing::info!(version = %offer.version, "app update downloaded and verified");
            Ok(Some(AppUpdate::Ready(ready_of(&offer, package))))
        }
        Err(reason) => {
            tracing::error!(version = %offer.version, %reason, "app update refused");
            let _ = std::fs::remove_file(&partial);
            saved.refused = Some(offer.signature.clone());
            saved.refused_reason = Some(reason.clone());
            save(dir, &saved)?;
            Ok(Some(AppUpdate::Refused {
                version: offer.version,
                reason,
            }))
        }
    }
}

/// The manifest's shape (tauri-plugin-updater's static format, plus the
/// marketplace's `notes_i18n` and `sizes`).
#[derive(Deserialize)]
struct Manifest {
    version: String,
    #[serde(default)]
    notes: Option<String>,
    platforms: BTreeMap<String, Platform>,
    #[serde(default)]
    notes_i18n: BTreeMap<String, String>,
    #[serde(default)]
    sizes: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct Platform {
    url: String,
    signature: String,
}

/// Asks the marketplace; `None` when it has nothing newer for this
/// target (204).
async fn check(engine: &Engine, config: &AppUpdateConfig, base: &Url) -> Result<Option<Offer>> {
    let path = format!(
        "app/update/{}/{}/{}",
        config.target, config.arch, config.current_version
    );
    let url = crate::push::endpoint(base, &path)?;
    let response = engine
        .send(engine.client.get(url), crate::meter::ANSWER_HEAD)
        .await?;
    match response.status() {
        StatusCode::NO_CONTENT => {
            engine.body(response).await?;
            return Ok(None);
        }
        StatusCode::OK => {}
        status => {
            engine.body(response).await?;
            return Err(crate::push::unexpected(status));
        }
    }
    let raw: serde_json::Value = engine.json(response).await?;
    let manifest: Manifest = serde_json::from_value(raw.clone())
        .map_err(|e| Error::Protocol(format!("update manifest: {e}")))?;
    let plain = format!("{}-{}", config.target, config.arch);
    let keys = config
        .installer
        .iter()
        .map(|installer| format!("{plain}-{installer}"))
        .chain([plain.clone()]);
    let Some((platform, entry)) = keys
        .filter_map(|key| manifest.platforms.get(&key).map(|entry| (key, entry)))
        .next()
    else {
        return Ok(None);
    };
    if !platform
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        || !manifest
            .version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.+".contains(&b))
    {
        return Err(Error::Protocol(
            "update manifest: odd version or platform".to_owned(),
        ));
    }
    Url::parse(&entry.url).map_err(|e| Error::Protocol(format!("update URL: {e}")))?;
    let mut notes = manifest.notes_i18n;
    if notes.is_empty()
        && let Some(text) = manifest.notes
    {
        notes.insert("en".to_owned(), text);
    }
    Ok(Some(Offer {
        size: manifest.sizes.get(&platform).copied(),
        version: manifest.version,
        url: entry.url.clone(),
        signature: entry.signature.clone(),
        platform,
        notes,
        manifest: raw,
    }))
}

/// Brings the package's missing bytes into `partial`, trying again after
/// a cut while tries bring bytes. `true` once it is whole.
async fn fetch(engine: &Engine, offer: &Offer, partial: &Path) -> Result<bool> {
    let mut fruitless = 0;
    loop {
        let have = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
        if offer.size.is_some_and(|size| have == size) {
            return Ok(true);
        }
        match fetch_once(engine, offer, partial, have).await {
            Ok(Fetched::Whole) => return Ok(true),
            Ok(Fetched::Part) => fruitless = 0,
            Err(Error::BudgetReached) => return Err(Error::BudgetReached),
            Err(err) => {
                let now = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
                fruitless = if now > have { 0 } else { fruitless + 1 };
                if fruitless >= MAX_FRUITLESS_TRIES {
                    tracing::info!(error = %err, have = now, "app update: the rest waits");
                    return Ok(false);
                }
                tokio::time::sleep(Duration::from_millis(500 << fruitless)).await;
            }
        }
    }
}

enum Fetched {
    Whole,
    /// Cut at the budget's edge or short: more to ask for.
    Part,
}

async fn fetch_once(engine: &Engine, offer: &Offer, partial: &Path, have: u64) -> Result<Fetched> {
    let stall = engine.config.request_timeout;
    let mut request = engine
        .client
        .get(&offer.url)
        // The bytes as signed: counted as they come.
        .header(reqwest::header::ACCEPT_ENCODING, "identity")
        .timeout(stall * 60);
    let range_end = engine
        .meter
        .left()
        .map(|left| left.saturating_sub(crate::download::RANGE_OVERHEAD));
    match range_end {
        Some(0) => return Err(Error::BudgetReached),
        Some(n) => {
            request = request.header(
                reqwest::header::RANGE,
                format!("bytes={have}-{}", have + n - 1),
            );
        }
        None if have > 0 => {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        None => {}
    }
    let mut response = engine.send(request, crate::meter::ANSWER_HEAD).await?;
    let chunked = crate::meter::is_chunked(&response);
    let append = match response.status() {
        StatusCode::PARTIAL_CONTENT => true,
        StatusCode::OK => false,
        // What is here is already the whole package: verify it.
        StatusCode::RANGE_NOT_SATISFIABLE => return Ok(Fetched::Whole),
        status => return Err(crate::push::unexpected(status)),
    };
    let total = if append {
        crate::download::content_range_total(response.headers())
    } else {
        response.content_length()
    };
    if total.is_some_and(|t| t > MAX_PACKAGE_BYTES) {
        return Err(Error::Protocol(
            "the update package is too large".to_owned(),
        ));
    }
    let mut file = crate::download::open_partial(partial, append).map_err(io)?;
    let mut size = if append { have } else { 0 };
    loop {
        let chunk = tokio::time::timeout(stall, response.chunk())
            .await
            .map_err(|_| Error::Protocol(format!("no byte for {stall:?}")))??;
        let Some(chunk) = chunk else {
            if chunked {
                engine.meter.received(5);
            }
            file.flush().map_err(io)?;
            return Ok(match total {
                Some(total) if size < total => Fetched::Part,
                _ => Fetched::Whole,
            });
        };
        engine.meter.received_chunk(chunk.len(), chunked);
        size += chunk.len() as u64;
        if size > MAX_PACKAGE_BYTES {
            return Err(Error::Protocol(
                "the update package is too large".to_owned(),
            ));
        }
        file.write_all(&chunk).map_err(io)?;
    }
}

fn downloading(dir: &Path, offer: &Offer) -> AppUpdate {
    AppUpdate::Downloading {
        version: offer.version.clone(),
        have: std::fs::metadata(partial_path(dir, offer))
            .map(|m| m.len())
            .unwrap_or(0),
        total: offer.size,
    }
}

fn ready_of(offer: &Offer, package: PathBuf) -> ReadyUpdate {
    ReadyUpdate {
        version: offer.version.clone(),
        notes: offer.notes.clone(),
        package,
        manifest: offer.manifest.clone(),
        signature: offer.signature.clone(),
    }
}

/// Whether two offers name the same bytes (then a partial file goes on).
fn same_package(offer: &Offer) -> (&str, &str, &str) {
    (&offer.version, &offer.url, &offer.signature)
}

fn is_newer(version: &str, current: &str) -> bool {
    match (
        semver::Version::parse(version.trim_start_matches('v')),
        semver::Version::parse(current.trim_start_matches('v')),
    ) {
        (Ok(v), Ok(c)) => v > c,
        _ => false,
    }
}

fn package_path(dir: &Path, offer: &Offer) -> PathBuf {
    dir.join(format!("hanout-{}-{}.pkg", offer.version, offer.platform))
}

fn partial_path(dir: &Path, offer: &Offer) -> PathBuf {
    dir.join(format!("hanout-{}-{}.part", offer.version, offer.platform))
}

fn forget_files(dir: &Path, offer: Option<&Offer>) {
    if let Some(offer) = offer {
        let _ = std::fs::remove_file(partial_path(dir, offer));
        let _ = std::fs::remove_file(package_path(dir, offer));
    }
}

fn load(dir: &Path) -> Saved {
    std::fs::read(dir.join(STATE_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Written whole beside, then renamed: a kill leaves the old or the new.
fn save(dir: &Path, saved: &Saved) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join(STATE_FILE);
    let temp = dir.join(format!(".{STATE_FILE}.new"));
    let bytes = serde_json::to_vec_pretty(saved).map_err(|e| Error::Protocol(e.to_string()))?;
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&temp, &path).map_err(io)
}

/// fsync, then rename: a package appears under its name only whole.
fn keep(partial: &Path, package: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(partial)?
        .sync_all()?;
    std::fs::rename(partial, package)
}

fn io(err: std::io::Error) -> Error {
    Error::Store(store::Error::from(err))
}

#[cfg(test)]
mod tests {
    use super::is_newer;

    #[test]
    fn only_a_greater_semver_is_newer() {
        assert!(is_newer("0.2.0", "0.1.0"));
        assert!(is_newer("v0.10.0", "0.9.9"));
        assert!(!is_newer("0.1.0", "0.1.0"));
        assert!(!is_newer("0.1.0", "0.2.0"));
        assert!(!is_newer("0.2.0-beta.1", "0.2.0"));
        assert!(!is_newer("latest", "0.1.0"));
    }
}
