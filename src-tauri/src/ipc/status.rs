use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    NotConfigured,
    Offline,
    Syncing,
    Online,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    /// Listings with changes waiting to be sent.
    pub pending: u32,
    /// Photos waiting to reach the marketplace.
    pub photos_pending: u32,
    /// Photos from the cooperative's other laptops still to download.
    pub photo_downloads_pending: u32,
    pub connection: Connection,
    /// A key the UI translates: `network`, `unauthorized`, `server`, …
    pub last_error: Option<String>,
    pub last_synced_at_ms: Option<f64>,
    pub cooperative: Option<String>,
    /// This computer's date differs from the marketplace's by more than it
    /// accepts: the window asks the manager to set the date right.
    pub clock_wrong: bool,
}

impl From<&sync::Status> for SyncStatusView {
    fn from(s: &sync::Status) -> Self {
        SyncStatusView {
            pending: u32::try_from(s.pending).unwrap_or(u32::MAX),
            photos_pending: u32::try_from(s.photos_pending).unwrap_or(u32::MAX),
            photo_downloads_pending: u32::try_from(s.photo_downloads_pending).unwrap_or(u32::MAX),
            connection: match s.connection {
                sync::Connection::NotConfigured => Connection::NotConfigured,
                sync::Connection::Offline => Connection::Offline,
                sync::Connection::Syncing => Connection::Syncing,
                sync::Connection::Online => Connection::Online,
            },
            last_error: s.last_error.map(|k| k.key().to_owned()),
            last_synced_at_ms: s.last_synced_at_ms.map(|ms| ms as f64),
            cooperative: s.cooperative.clone(),
            clock_wrong: s.clock_is_wrong(),
        }
    }
}

/// The sync status changed; the payload is the new status.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct SyncStatusChanged(pub SyncStatusView);

/// Listings changed by something other than the window (changes pulled
/// from the marketplace: other laptops' edits, moderation): reload.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct ListingsChanged;

/// Shown once at start-up when the catalog file was damaged and Hanout
/// restored its latest backup.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryNotice {
    pub restored_from: String,
    pub damaged_copy: String,
}

impl From<&store::Recovery> for RecoveryNotice {
    fn from(r: &store::Recovery) -> Self {
        RecoveryNotice {
            restored_from: r.restored_from.display().to_string(),
            damaged_copy: r.damaged_copy.display().to_string(),
        }
    }
}
