use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use store::SettingKey;
use tokio::sync::{Notify, watch};

use crate::config::Config;
use crate::ipc::AppError;
use crate::photo_imports::PhotoImports;

/// What every command can reach.
pub struct AppState {
    pub store: sync::SharedStore,
    /// Poked after every local change and by "sync now".
    pub wake: Arc<Notify>,
    pub status_tx: watch::Sender<sync::Status>,
    /// This process is the catalog's one writer; the CLI refuses to write meanwhile.
    _writer: store::WriterLock,
    /// Where photos are stored (`<data>/photos/ab/…`).
    pub data_dir: PathBuf,
    /// The photo imports running, each cancellable on its own.
    pub photo_imports: Arc<PhotoImports>,
    /// Set when the catalog had to be restored from a backup at start-up.
    pub recovery: Option<store::Recovery>,
    /// The sync engine, once started (`sync_task::spawn`).
    pub engine: std::sync::OnceLock<sync::Engine>,
    /// The window's language, once it said it (the tray and notifications
    /// speak it).
    pub lang: Arc<Mutex<Option<crate::ipc::UiLang>>>,
    /// "Share this laptop", while it is on (`stand.rs`).
    pub share: tokio::sync::Mutex<Option<peer::Share>>,
    /// Whether sharing is announced and laptops are looked for over mDNS.
    pub peer_mdns: peer::Mdns,
    /// The catalog's integrity check, running beside the window's start
    /// (`store::open_or_recover_checking_later`); reach the catalog through
    /// [`AppState::checked_store`].
    pub integrity: Arc<store::IntegrityCheck>,
}

impl AppState {
    /// The catalog, once its check said it is sound (at once after that):
    /// a damaged catalog is refused to every use, with the message that a
    /// restart restores its latest backup.
    pub async fn checked_store(&self) -> Result<sync::SharedStore, AppError> {
        match self.integrity.outcome() {
            Some(outcome) => outcome?,
            None => {
                let check = self.integrity.clone();
                tauri::async_runtime::spawn_blocking(move || check.wait()).await??;
            }
        }
        Ok(self.store.clone())
    }

    pub fn open(config: &Config) -> Result<AppState, store::Error> {
        let writer = take_catalog(&config.data_dir)?;
        // A damaged catalog is set aside and its latest backup restored; the
        // window says so (`startup_notice`) instead of the app failing to start.
        // Its check runs beside the window's start (`checked_store`).
        let (store, recovery, integrity) =
            store::open_or_recover_checking_later(&config.data_dir.join("catalog.db"))?;
        if let Some(url) = &config.market_url {
            // Only where no marketplace is enrolled yet: an override must not
            // silently move an enrolled laptop (its listings live there).
            let enrolled = store.setting(SettingKey::DeviceToken)?.is_some();
            let current = store.setting(SettingKey::MarketUrl)?;
            if !enrolled || current.is_none() {
                store.set_setting(SettingKey::MarketUrl, Some(url))?;
            } else if current.as_deref() != Some(url.as_str()) {
                tracing::warn!(
                    enrolled = ?current,
                    ignored = %url,
                    "HANOUT_MARKET_URL differs from the enrolled marketplace; keeping the enrolled one"
                );
            }
        }
        if let Some(code) = &config.enroll_code
            && store.setting(SettingKey::DeviceToken)?.is_none()
        {
            store.set_setting(SettingKey::EnrollCode, Some(code))?;
        }
        let (status_tx, _) = watch::channel(sync::Status::default());
        Ok(AppState {
            store: Arc::new(Mutex::new(store)),
            wake: Arc::new(Notify::new()),
            status_tx,
            _writer: writer,
            recovery,
            data_dir: config.data_dir.clone(),
            photo_imports: Arc::default(),
            engine: std::sync::OnceLock::new(),
            lang: Arc::default(),
            share: tokio::sync::Mutex::new(None),
            peer_mdns: config.peer_mdns,
            integrity: Arc::new(integrity),
        })
    }
}

/// The writer lock, asking a headless syncer (`hanout sync --watch`,
/// mid-pass) to hand the catalog over first: it drops its pass and lets go
/// within a second. Another app still holding it after that is a real
/// second instance (`store::Error::Locked`).
fn take_catalog(data_dir: &std::path::Path) -> Result<store::WriterLock, store::Error> {
    match store::lock_writer(data_dir) {
        Err(store::Error::Locked) => {}
        other => return other,
    }
    tracing::info!("the catalog is busy; asking a background syncer to hand it over");
    sync::headless::request_handover(data_dir)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let taken = loop {
        match store::lock_writer(data_dir) {
            Err(store::Error::Locked) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => break other,
        }
    };
    sync::headless::clear_handover(data_dir);
    taken
}
