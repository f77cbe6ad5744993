//! This device's hybrid logical clock, kept in settings: ticked by every
//! local edit (the reading goes on its outbox row), advanced past what
//! pulls show, so an edit made after seeing another laptop's is later than
//! it even when this laptop's wall clock is behind.

use protocol::Hlc;
use rusqlite::{Connection, OptionalExtension};

use crate::settings::{SettingKey, set_in};
use crate::{Result, Store};

impl Store {
    /// The last reading this device handed out (zero before the first edit).
    pub fn device_hlc(&self) -> Result<Hlc> {
        read(&self.conn)
    }
}

fn read(conn: &Connection) -> Result<Hlc> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SettingKey::DeviceHlc.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(text.as_deref().and_then(parse).unwrap_or_default())
}

fn write(conn: &Connection, hlc: Hlc) -> Result<()> {
    set_in(
        conn,
        SettingKey::DeviceHlc,
        Some(&format!("{}:{}", hlc.ms, hlc.counter)),
    )
}

fn parse(text: &str) -> Option<Hlc> {
    let (ms, counter) = text.split_once(':')?;
    Some(Hlc {
        ms: ms.parse().ok()?,
        counter: counter.parse().ok()?,
    })
}

/// The next reading, stored before it is used (inside the edit's transaction).
pub(crate) fn tick(conn: &Connection, now_ms: i64) -> Result<Hlc> {
    let next = read(conn)?.tick(now_ms);
    write(conn, next)?;
    Ok(next)
}

/// Moves the clock past `seen`.
pub(crate) fn observe(conn: &Connection, seen: Hlc, now_ms: i64) -> Result<()> {
    let current = read(conn)?;
    if seen > current {
        write(conn, current.observe(seen, now_ms))?;
    }
    Ok(())
}
