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
    /// The last pass stopped at the day's data budget.
    pub budget_reached: bool,
    /// Display-size photos held back on a metered link ("send photos now").
    pub photos_held: u32,
    /// With the budget spent or photos held: megabytes of photos still to go.
    pub photo_mb_waiting: f64,
    /// Photos on their way up now: bytes, rate, time left.
    pub uploading: Option<UploadingView>,
    /// A newer version of the app: ready to install, on its way, held on
    /// a metered link, or refused (bad signature).
    pub update: Option<UpdateView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// Downloaded and verified: "restart now".
    Ready,
    Downloading,
    /// On a metered link: "download it now".
    Held,
    /// The package did not match its signature; it was thrown away.
    Refused,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateView {
    pub state: UpdateState,
    pub version: String,
    /// Release notes by language (`ar`, `fr`, `en`): the window shows the
    /// one in its language, else any.
    pub notes: std::collections::BTreeMap<String, String>,
    /// Megabytes here and in all (downloading, held), one decimal.
    pub mb_have: Option<f64>,
    pub mb_total: Option<f64>,
}

impl From<&sync::AppUpdate> for UpdateView {
    fn from(update: &sync::AppUpdate) -> Self {
        let mb = |bytes: u64| (bytes as f64 / 100_000.0).round() / 10.0;
        let view = |state, version: &String| UpdateView {
            state,
            version: version.clone(),
            notes: Default::default(),
            mb_have: None,
            mb_total: None,
        };
        match update {
            sync::AppUpdate::Ready(ready) => UpdateView {
                notes: ready.notes.clone(),
                ..view(UpdateState::Ready, &ready.version)
            },
            sync::AppUpdate::Downloading {
                version,
                have,
                total,
            } => UpdateView {
                mb_have: Some(mb(*have)),
                mb_total: total.map(mb),
                ..view(UpdateState::Downloading, version)
            },
            sync::AppUpdate::Held { version, total } => UpdateView {
                mb_total: total.map(mb),
                ..view(UpdateState::Held, version)
            },
            sync::AppUpdate::Refused { version, .. } => view(UpdateState::Refused, version),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadingView {
    pub bytes_sent: f64,
    pub bytes_total: f64,
    /// Bytes per second over the last seconds (`None`: not measured yet).
    pub rate_bytes_per_s: Option<f64>,
    /// At that rate (`None`: no honest guess yet).
    pub seconds_left: Option<f64>,
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
            budget_reached: s.budget_reached,
            photos_held: u32::try_from(s.photos_held).unwrap_or(u32::MAX),
            photo_mb_waiting: (s.photo_bytes_waiting as f64 / 100_000.0).round() / 10.0,
            uploading: s.uploading.as_ref().map(|u| UploadingView {
                bytes_sent: u.bytes_sent as f64,
                bytes_total: u.bytes_total as f64,
                rate_bytes_per_s: u.rate_bytes_per_s.map(|r| r as f64),
                seconds_left: u.seconds_left.map(|s| s as f64),
            }),
            update: s.app_update.as_ref().map(UpdateView::from),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_uploads_budget_and_held_photos_in_its_units() {
        let status = sync::Status {
            budget_reached: true,
            photos_held: 3,
            photo_bytes_waiting: 12_449_999,
            uploading: Some(sync::Uploading {
                bytes_sent: 1_200_000,
                bytes_total: 4_500_000,
                rate_bytes_per_s: Some(120_000),
                seconds_left: Some(28),
                listings: Vec::new(),
            }),
            ..sync::Status::default()
        };
        let view = SyncStatusView::from(&status);
        assert!(view.budget_reached);
        assert_eq!(view.photos_held, 3);
        assert_eq!(view.photo_mb_waiting, 12.4);
        let up = view.uploading.unwrap();
        assert_eq!(
            (
                up.bytes_sent,
                up.bytes_total,
                up.rate_bytes_per_s,
                up.seconds_left
            ),
            (1_200_000.0, 4_500_000.0, Some(120_000.0), Some(28.0))
        );
        assert!(
            SyncStatusView::from(&sync::Status::default())
                .uploading
                .is_none()
        );
    }
}
