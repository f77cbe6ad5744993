//! Data crossing the IPC boundary. `specta::Type` on each, so the UI's
//! TypeScript types are generated from these; domain types stay plain.

mod connection;
mod details;
mod error;
mod listing;
mod photos;
mod status;

pub use connection::{ConnectInput, ConnectionView};
pub use details::ListingDetails;
pub use error::{AppError, ErrorField, ErrorReason, StorageCause, SystemAction};
pub use listing::{
    ListingPage, ListingQuery, ListingStatus, ListingView, NewListingInput, RemovalView,
    SyncFilter, SyncView,
};
pub use photos::{PhotoFailure, PhotoImportReport, PhotoProgress};
pub use status::{ListingsChanged, RecoveryNotice, SyncStatusChanged, SyncStatusView};
