//! Data crossing the IPC boundary. `specta::Type` on each, so the UI's
//! TypeScript types are generated from these; domain types stay plain.

mod connection;
mod details;
mod error;
mod listing;
mod photos;
mod settings;
mod status;

pub use connection::{ConnectInput, ConnectionView};
pub use details::{ListingDetails, LostEdits, typed_number};
pub use error::{
    AppError, ErrorField, ErrorReason, PeerCause, PrintCause, StorageCause, SystemAction,
};
pub use listing::{
    LedgerKey, LedgerView, ListingPage, ListingQuery, ListingStatus, ListingView, NewListingInput,
    RemovalView, SyncFilter, SyncView, UiLang,
};
pub use photos::{PhotoFailure, PhotoImportReport, PhotoProgress};
pub use settings::{SyncSettingsInput, SyncSettingsView};
pub use status::{
    ListingsChanged, RecoveryNotice, SyncStatusChanged, SyncStatusView, UpdateState, UpdateView,
};
