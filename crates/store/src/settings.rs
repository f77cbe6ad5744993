use rusqlite::{Connection, OptionalExtension};

use crate::{Result, Store};

/// The few things this installation remembers besides its catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKey {
    /// Base URL of the marketplace, e.g. `https://souk.example.org`.
    MarketUrl,
    /// A one-time enrollment code waiting to be exchanged for a token.
    EnrollCode,
    /// This device's token, once enrolled.
    DeviceToken,
    /// The cooperative the device is enrolled in, for display.
    CooperativeName,
    /// Where the last pull stopped (the server's opaque cursor).
    PullCursor,
    /// This device's hybrid logical clock, `ms:counter`.
    DeviceHlc,
    /// A random id minted once per installation, sent with enrollments so
    /// a retried enrollment (its answer lost) is answered again.
    DeviceKey,
    /// The id of the cooperative the device is enrolled in: enrolling into
    /// another one starts the pull over from the beginning.
    CooperativeId,
    /// The cooperative's slug on the marketplace: its public page is
    /// `/c/{slug}` (printed labels point there before a listing is live).
    CooperativeSlug,
    /// `1` while the manager has paused sync.
    SyncPaused,
    /// `1`: this connection is metered (text and thumbnails only); `0`: it
    /// is not; absent: ask the system.
    SyncMetered,
    /// Bytes sync may spend per day (absent: no limit).
    SyncDailyBudget,
    /// Bytes spent on one day: `DAY BYTES`, the day as days since the Unix
    /// epoch (UTC: a budget day starts at 00:00 UTC, 01:00 in Morocco).
    SyncDataUsed,
}

impl SettingKey {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SettingKey::MarketUrl => "market_url",
            SettingKey::EnrollCode => "enroll_code",
            SettingKey::DeviceToken => "device_token",
            SettingKey::CooperativeName => "cooperative_name",
            SettingKey::PullCursor => "pull_cursor",
            SettingKey::DeviceHlc => "device_hlc",
            SettingKey::DeviceKey => "device_key",
            SettingKey::CooperativeId => "cooperative_id",
            SettingKey::CooperativeSlug => "cooperative_slug",
            SettingKey::SyncPaused => "sync_paused",
            SettingKey::SyncMetered => "sync_metered",
            SettingKey::SyncDailyBudget => "sync_daily_budget",
            SettingKey::SyncDataUsed => "sync_data_used",
        }
    }
}

impl SettingKey {
    /// Kept in the secrets file beside the catalog, never in it (see `secrets`).
    pub(crate) fn is_secret(self) -> bool {
        matches!(
            self,
            SettingKey::DeviceToken | SettingKey::EnrollCode | SettingKey::DeviceKey
        )
    }

    pub(crate) const SECRETS: [SettingKey; 3] = [
        SettingKey::DeviceToken,
        SettingKey::EnrollCode,
        SettingKey::DeviceKey,
    ];
}

impl Store {
    pub fn setting(&self, key: SettingKey) -> Result<Option<String>> {
        if key.is_secret() {
            return crate::secrets::get(&self.path, key.as_str());
        }
        let value = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [key.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        Ok(value)
    }

    pub fn set_setting(&self, key: SettingKey, value: Option<&str>) -> Result<()> {
        if key.is_secret() {
            return crate::secrets::set(&self.path, key.as_str(), value);
        }
        set_in(&self.conn, key, value)
    }

    /// Moves secrets a catalog holds (written by an earlier version, or
    /// brought in by a restore) out to the secrets file; a secret already
    /// in the file wins (a restore never replaces this laptop's token).
    pub(crate) fn move_secrets_out(&self) -> Result<()> {
        for key in SettingKey::SECRETS {
            let in_catalog: Option<String> = self
                .conn
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [key.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(value) = in_catalog else { continue };
            if self.setting(key)?.is_none() {
                self.set_setting(key, Some(&value))?;
            }
            self.conn
                .execute("DELETE FROM settings WHERE key = ?1", [key.as_str()])?;
        }
        Ok(())
    }
}

/// Sets (or with `None` removes) a setting through `conn`, which may be a
/// transaction.
pub(crate) fn set_in(conn: &Connection, key: SettingKey, value: Option<&str>) -> Result<()> {
    match value {
        Some(value) => conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key.as_str(), value),
        )?,
        None => conn.execute("DELETE FROM settings WHERE key = ?1", [key.as_str()])?,
    };
    Ok(())
}

/// What the manager decided about sync: pause, metered link, daily budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncPrefs {
    pub paused: bool,
    /// `Some`: the manager said; `None`: as the system says (or unmetered).
    pub metered: Option<bool>,
    pub daily_budget_bytes: Option<u64>,
}

impl Store {
    pub fn sync_prefs(&self) -> Result<SyncPrefs> {
        Ok(SyncPrefs {
            paused: self.setting(SettingKey::SyncPaused)?.as_deref() == Some("1"),
            metered: self.setting(SettingKey::SyncMetered)?.map(|v| v == "1"),
            daily_budget_bytes: self
                .setting(SettingKey::SyncDailyBudget)?
                .and_then(|v| v.parse().ok()),
        })
    }

    pub fn set_sync_prefs(&self, prefs: &SyncPrefs) -> Result<()> {
        let flag = |b: bool| if b { "1" } else { "0" };
        self.set_setting(SettingKey::SyncPaused, prefs.paused.then_some("1"))?;
        self.set_setting(SettingKey::SyncMetered, prefs.metered.map(flag))?;
        let budget = prefs.daily_budget_bytes.map(|b| b.to_string());
        self.set_setting(SettingKey::SyncDailyBudget, budget.as_deref())
    }

    /// Bytes sync spent on the day of `now_ms` (UTC).
    pub fn data_used(&self, now_ms: i64) -> Result<u64> {
        let day = budget_day(now_ms).to_string();
        Ok(self
            .setting(SettingKey::SyncDataUsed)?
            .and_then(|v| {
                let (d, bytes) = v.split_once(' ')?;
                (d == day).then(|| bytes.parse().ok()).flatten()
            })
            .unwrap_or(0))
    }

    /// Adds `bytes` to what sync spent on the day of `now_ms` (a new day
    /// starts at 0); the new total.
    pub fn add_data_used(&self, now_ms: i64, bytes: u64) -> Result<u64> {
        let day = budget_day(now_ms);
        let total = self.data_used(now_ms)?.saturating_add(bytes);
        self.set_setting(SettingKey::SyncDataUsed, Some(&format!("{day} {total}")))?;
        Ok(total)
    }
}

/// The budget day of `now_ms`: days since the Unix epoch, UTC.
fn budget_day(now_ms: i64) -> i64 {
    now_ms.div_euclid(86_400_000)
}
