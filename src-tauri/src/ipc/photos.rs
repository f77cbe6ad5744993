use serde::Serialize;
use specta::Type;

use super::ListingView;

/// Sent after each photo of an import finishes, for the progress bar.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoProgress {
    pub done: u32,
    pub total: u32,
    /// File name of the photo that just finished.
    pub current: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoFailure {
    /// File name, as the manager knows it.
    pub file: String,
    /// A key the UI translates: `heic`, `corrupt`, `unsupported_format`, …
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoImportReport {
    pub imported: u32,
    pub failed: Vec<PhotoFailure>,
    /// The listing with its photos now attached.
    pub listing: ListingView,
}
