//! The cooperative's catalog on this laptop: domain types and a SQLite store.
//!
//! Every change a manager makes lands here first, in one transaction with its
//! outbox row; the sync engine (`sync` crate) reads the outbox. No Tauri, no
//! HTTP: both shells (the desktop app and the CLI) call into this crate.

mod artisans;
mod backup;
mod bundle;
mod category;
mod check_later;
mod conflicts;
mod cooperative;
mod csv_export;
mod csv_import;
mod edit_save;
mod edits;
mod error;
mod hlc;
mod ledger;
mod listing_input;
mod listings;
mod lock;
mod money;
mod normalize;
mod open;
mod outbox;
mod photo_pull;
mod photo_refs;
mod photo_sync;
mod pull;
mod recover;
mod sales;
mod search;
mod secrets;
mod settings;
mod text;

pub use artisans::{Artisan, ArtisanId};
pub use backup::{KEEP_BACKUPS, RestoreReport, backups_dir, list_backups};
pub use bundle::{
    BundleError, BundleHeader, BundleMade, BundlePhotos, BundleTaken, PhotoChoice,
    read_bundle_header,
};
pub use category::{Category, Status, Unit};
pub use check_later::{IntegrityCheck, open_or_recover_checking_later};
pub use conflicts::Conflict;
pub use cooperative::Cooperative;
pub use csv_import::{ImportPlan, PlannedRow, RowError, plan_import};
pub use edit_save::Removal;
pub use edits::{changed_fields, field_name, parse_field};
pub use error::{Error, Field, Reason, Result, ValidationError};
pub use ledger::{Ledger, LedgerState};
pub use listings::{Listing, ListingId, ListingInput, Moderation, NewListing, SyncState};
pub use lock::{WriterLock, lock_writer, log_slow_use};
pub use money::Price;
pub use normalize::normalize;
pub use open::{Store, open};
pub use outbox::{PendingChange, PendingOp, PushAck};
pub use photo_pull::{PhotoDownload, PulledPhoto, merge_photos};
pub use photo_refs::PhotoRecord;
pub use photo_sync::{PhotoSetToSend, PhotoToSend};
pub use pull::{PullApplied, Pulled, PulledContent};
pub use recover::{Recovery, open_or_recover};
pub use sales::{Journal, JournalLine, Sale};
pub use search::{SearchQuery, Sort};
pub use settings::{SettingKey, SyncPrefs};
pub use text::{Localized, Titles};

#[cfg(test)]
mod tests;
