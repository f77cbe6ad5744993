use serde::{Deserialize, Serialize};
use specta::Type;

/// The marketplace this laptop syncs with, as the settings panel shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    /// The marketplace's address, once set.
    pub market_url: Option<String>,
    /// This laptop holds a device token: it is enrolled.
    pub enrolled: bool,
    /// The cooperative it enrolled in.
    pub cooperative: Option<String>,
    /// A one-time code waits to be exchanged at the next sync.
    pub code_waiting: bool,
}

/// What the manager types to connect this laptop.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectInput {
    pub market_url: String,
    pub enroll_code: String,
}
