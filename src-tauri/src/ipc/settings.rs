//! The sync settings the window shows: pause, metered link, daily budget.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The sync settings as the window shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSettingsView {
    /// Nothing is sent or received until the manager resumes.
    pub paused: bool,
    /// `null`: as the system says; else what the manager said.
    pub metered: Option<bool>,
    /// The daily data limit in megabytes (10⁶ bytes); `null`: none.
    pub daily_budget_mb: Option<u32>,
    /// Bytes sync spent today (UTC day).
    pub used_today_bytes: f64,
}

/// What the manager set; the budget as typed (empty: no limit).
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSettingsInput {
    pub paused: bool,
    pub metered: Option<bool>,
    pub daily_budget_mb: String,
}
