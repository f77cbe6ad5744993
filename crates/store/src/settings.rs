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
    /// The installation this catalog's device key and token belong to (the
    /// id in the `installation-id` file beside it, which no backup carries):
    /// a catalog restored or copied onto another laptop is told apart by it.
    Installation,
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
            SettingKey::Installation => "installation",
        }
    }
}

impl Store {
    pub fn setting(&self, key: SettingKey) -> Result<Option<String>> {
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
        set_in(&self.conn, key, value)
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
