use std::sync::{Arc, Mutex};

use store::SettingKey;
use tokio::sync::{Notify, watch};

use crate::config::Config;

/// What every command can reach.
pub struct AppState {
    pub store: sync::SharedStore,
    /// Poked after every local change and by "sync now".
    pub wake: Arc<Notify>,
    pub status_tx: watch::Sender<sync::Status>,
    /// This process is the catalog's one writer; the CLI refuses to write meanwhile.
    _writer: store::WriterLock,
}

impl AppState {
    pub fn open(config: &Config) -> Result<AppState, store::Error> {
        let writer = store::lock_writer(&config.data_dir)?;
        let store = store::open(&config.data_dir.join("catalog.db"))?;
        if let Some(url) = &config.market_url {
            store.set_setting(SettingKey::MarketUrl, Some(url))?;
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
        })
    }
}
