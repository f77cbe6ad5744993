//! Two laptops of one cooperative syncing without the marketplace.
//!
//! The store writes and merges *bundles* (`store::Store::export_bundle`,
//! `import_bundle`: changes with their change ids, merged as the
//! marketplace merges). This crate adds what lies around them:
//! - [`files`]: the photo files a bundle carries, from and into the
//!   laptop's photo store;
//! - [`share`]: one laptop opens the exchange on the stand's network
//!   (HTTP, announced over mDNS, a short pairing code shown on its screen);
//! - [`exchange`]: the other sends its bundle and takes the answer in one
//!   request;
//! - [`discover`]: finding the laptops that share, over mDNS.
//!
//! Where mDNS is blocked (client isolation, Windows "public" networks), the
//! sharing laptop's address is shown as text and QR to type in.

pub mod discover;
pub mod exchange;
pub mod files;
mod pairing;
pub mod share;

use std::sync::{Arc, Mutex};

pub use discover::{Found, discover};
pub use exchange::{Exchanged, exchange};
pub use files::{PhotoDir, export_file, import_file};
pub use pairing::new_code;
pub use share::{Share, ShareEvent, share};

/// The store as the app and the CLI share it (see `sync::SharedStore`).
pub type SharedStore = Arc<Mutex<store::Store>>;

/// The DNS-SD service type laptops sharing announce.
pub const SERVICE_TYPE: &str = "_hanout._tcp.local.";

/// Where mDNS announces and searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mdns {
    /// Not at all (the address is typed).
    Off,
    /// On every network of the laptop.
    On,
}

impl Mdns {
    /// A daemon on the interfaces this says.
    pub(crate) fn daemon(self) -> Result<Option<mdns_sd::ServiceDaemon>> {
        if self == Mdns::Off {
            return Ok(None);
        }
        let daemon = mdns_sd::ServiceDaemon::new().map_err(|e| Error::Discovery(e.to_string()))?;
        Ok(Some(daemon))
    }
}

/// The port a share listens on unless told otherwise (then any free one).
pub const DEFAULT_PORT: u16 = 47_470;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("the file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the other laptop could not be reached: {0}")]
    Unreachable(String),
    #[error(
        "the code is not the one shown on the other laptop (or it belongs to another cooperative)"
    )]
    WrongCode,
    #[error("too many wrong codes: a new code is shown on the other laptop")]
    CodeChanged,
    #[error("the other laptop answered something unexpected: {0}")]
    Protocol(String),
    #[error("the local network could not be searched: {0}")]
    Discovery(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs `f` on the store off the async runtime.
pub(crate) async fn with_store<T, F>(store: &SharedStore, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut store::Store) -> Result<T> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    })
    .await
    .map_err(|e| Error::Io(std::io::Error::other(e)))?
}
