use std::path::PathBuf;
use std::time::Duration;

use tauri::{AppHandle, Manager};

/// Where the app keeps its data and which marketplace it talks to.
///
/// Environment variables override the defaults; `cargo xtask run` and the
/// end-to-end tests use them to point the app at a local marketplace.
#[derive(Debug, Clone)]
pub struct Config {
    /// `HANOUT_DATA_DIR`, else the OS's app data directory.
    pub data_dir: PathBuf,
    /// `HANOUT_MARKET_URL`: saved as the marketplace URL at start-up.
    pub market_url: Option<String>,
    /// `HANOUT_ENROLL_CODE`: a one-time code, used if not enrolled yet.
    pub enroll_code: Option<String>,
    /// `HANOUT_SYNC_RETRY_MAX_MS`: longest wait between failed attempts.
    pub retry_max: Option<Duration>,
    /// `HANOUT_BENCH_READY_FILE`: where to write the app's age, in ms, at
    /// the window's first interactive paint (`cargo xtask bench app`).
    pub bench_ready_file: Option<PathBuf>,
    /// `HANOUT_PEER_MDNS=off`: sharing with the other laptop is not
    /// announced and finding laptops looks nowhere (the end-to-end tests,
    /// which keep their traffic on loopback).
    pub peer_mdns: peer::Mdns,
}

impl Config {
    pub fn from_env(app: &AppHandle) -> Result<Config, Box<dyn std::error::Error>> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir = match var("HANOUT_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => app.path().app_data_dir()?,
        };
        std::fs::create_dir_all(&data_dir)?;
        Ok(Config {
            data_dir,
            market_url: var("HANOUT_MARKET_URL"),
            enroll_code: var("HANOUT_ENROLL_CODE"),
            retry_max: var("HANOUT_SYNC_RETRY_MAX_MS")
                .and_then(|ms| ms.parse().ok())
                .map(Duration::from_millis),
            bench_ready_file: var("HANOUT_BENCH_READY_FILE").map(PathBuf::from),
            peer_mdns: match var("HANOUT_PEER_MDNS").as_deref() {
                Some("off") => peer::Mdns::Off,
                _ => peer::Mdns::On,
            },
        })
    }
}
