//! The sync engine: sends the local outbox and the listings' photos to the
//! marketplace whenever it can.
//!
//! Functional core, IO shell: [`push::plan`] and [`push::acks`] are pure;
//! [`sync_once`] does the HTTP and SQLite IO around them; [`run`] loops
//! forever with backoff, waking early when the app saves something.
//! No Tauri here: the app, the CLI and the tests drive the same engine.

mod clock;
mod download;
mod engine;
mod enroll;
mod error;
mod gzip;
pub mod headless;
mod market_url;
mod meter;
mod metered;
mod pace;
mod photos;
mod progress_file;
pub mod pull;
pub mod push;
mod run;
mod status;
pub mod update;
mod upload;

pub use clock::{Clock, SystemClock};
pub use engine::{Config, Engine, Report, SharedStore};
pub use error::{Error, ErrorKind, Result};
pub use market_url::{
    MarketUrlError, check_market_url, parse_market_url, public_page_url, same_origin,
};
pub use photos::photo_path;
pub use progress_file::{
    FRESH_MS as PROGRESS_FRESH_MS, progress_path, read_progress, write as write_progress,
};
pub use run::run;
pub use status::{Connection, ListingPhotos, Status, Uploading};
pub use update::{AppUpdate, AppUpdateConfig, ReadyUpdate};

/// One pass: enroll if needed, upload missing photos, push every pending
/// change, pull, set photo lists, download the photos other laptops added.
pub use engine::sync_once;

#[cfg(test)]
mod tests;
