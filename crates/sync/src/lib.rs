//! The sync engine: sends the local outbox to the marketplace whenever it can.
//!
//! Functional core, IO shell: [`push::plan`] and [`push::acks`] are pure;
//! [`sync_once`] does the HTTP and SQLite IO around them; [`run`] loops
//! forever with backoff, waking early when the app saves something.
//! No Tauri here: the app, the CLI and the tests drive the same engine.

mod clock;
mod engine;
mod enroll;
mod error;
pub mod push;
mod run;
mod status;

pub use clock::{Clock, SystemClock};
pub use engine::{Config, Engine, Report, SharedStore};
pub use error::{Error, ErrorKind, Result};
pub use run::run;
pub use status::{Connection, Status};

/// One pass: enroll if needed, then push every pending change.
pub use engine::sync_once;

#[cfg(test)]
mod tests;
