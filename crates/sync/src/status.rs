use crate::ErrorKind;

/// How the engine stands with the marketplace right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// No marketplace URL or no way to enroll: nothing will be sent.
    NotConfigured,
    /// The last attempt failed; work stays queued and is retried.
    Offline,
    Syncing,
    Online,
}

/// What the UI shows about sync: what waits, whether we are connected, and
/// what failed last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Listings with changes waiting to be sent.
    pub pending: u64,
    /// Photos waiting to reach the marketplace with their listings.
    pub photos_pending: u64,
    /// Photo files pulled listings name that are still to download.
    pub photo_downloads_pending: u64,
    pub connection: Connection,
    pub last_error: Option<ErrorKind>,
    pub last_synced_at_ms: Option<i64>,
    pub cooperative: Option<String>,
    /// Local listings changed by pulls since the engine started: when it
    /// grows, what the window shows is stale.
    pub pulled_changes: u64,
    /// This computer's clock minus the marketplace's at the last push
    /// answer. Beyond `protocol::MAX_CLOCK_SKEW_MS` either way, the window
    /// tells the manager the computer's date is wrong (the marketplace
    /// clamps readings from the future).
    pub clock_skew_ms: Option<i64>,
    /// Photos on their way up in the pass going on (`None` between
    /// passes, or when none are): numbers to show instead of a spinner.
    pub uploading: Option<Uploading>,
    /// The last pass stopped at the day's data budget.
    pub budget_reached: bool,
    /// Display-size photos the last pass held back on a metered link.
    pub photos_held: u64,
    /// With the budget spent or photos held: the bytes of the photo files
    /// still to go (at most).
    pub photo_bytes_waiting: u64,
    /// Where the app's update stands after the last pass that looked.
    pub app_update: Option<crate::AppUpdate>,
}

/// Photo bytes sent of bytes waiting, how fast, how long still, and each
/// listing's photos so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Uploading {
    /// Photo bytes the marketplace has taken this pass…
    pub bytes_sent: u64,
    /// …of the bytes it lacked when the pass began.
    pub bytes_total: u64,
    /// What the link carried over the last seconds, in bytes per second;
    /// `None` until something was measured.
    pub rate_bytes_per_s: Option<u64>,
    /// The bytes left at that rate (`None` while the rate is unknown or
    /// nil: no guess is shown rather than a wrong one).
    pub seconds_left: Option<u64>,
    /// The listings whose photos are on their way, in the order they go.
    pub listings: Vec<ListingPhotos>,
}

/// One listing's photos: `sent` of `total` on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingPhotos {
    pub listing_id: store::ListingId,
    pub sent: u32,
    pub total: u32,
}

impl Uploading {
    /// Seconds to send `left` bytes at `rate` bytes per second, rounded up.
    /// Pure.
    pub fn time_left(left: u64, rate: Option<u64>) -> Option<u64> {
        match rate {
            Some(rate) if rate > 0 => Some(left.div_ceil(rate)),
            _ => None,
        }
    }
}

impl Status {
    /// Whether the computer's clock is off by more than the marketplace accepts.
    pub fn clock_is_wrong(&self) -> bool {
        self.clock_skew_ms
            .is_some_and(|skew| skew.abs() > protocol::MAX_CLOCK_SKEW_MS)
    }
}

impl Default for Status {
    fn default() -> Self {
        Status {
            pending: 0,
            photos_pending: 0,
            photo_downloads_pending: 0,
            connection: Connection::NotConfigured,
            last_error: None,
            last_synced_at_ms: None,
            cooperative: None,
            pulled_changes: 0,
            clock_skew_ms: None,
            uploading: None,
            budget_reached: false,
            photos_held: 0,
            photo_bytes_waiting: 0,
            app_update: None,
        }
    }
}
