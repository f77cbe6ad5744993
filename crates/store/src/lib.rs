//! The cooperative's catalog on this laptop: domain types and a SQLite store.
//!
//! Every change a manager makes lands here first, in one transaction with its
//! outbox row; the sync engine (`sync` crate) reads the outbox. No Tauri, no
//! HTTP: both shells (the desktop app and the CLI) call into this crate.

mod error;
mod listings;
mod money;
mod open;
mod outbox;
mod settings;
mod text;

pub use error::{Error, Field, Reason, Result, ValidationError};
pub use listings::{Listing, ListingId, NewListing, SyncState};
pub use money::Price;
pub use open::{Store, open};
pub use outbox::{PendingChange, PendingOp, PushAck};
pub use settings::SettingKey;
pub use text::Titles;

#[cfg(test)]
mod tests;
