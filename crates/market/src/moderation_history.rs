//! The moderation history: every change of a listing's moderation state
//! and every operator action on it, appended, never overwritten (the
//! database refuses UPDATE and DELETE on `moderation_events`). Who, what,
//! when, why; `hanout-market listing history ID` prints it.

use protocol::ModerationState;
use uuid::Uuid;

use crate::db::{Arg, Tx, args};
use crate::error::Result;
use crate::moderation;

/// What happened to a listing, as the history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A device pushed a listing the server had not seen.
    Submitted,
    /// A device changed what a buyer sees, and that moved its state.
    Edited,
    /// A device set other photos, and that moved its state.
    PhotosChanged,
    Approved,
    Rejected,
    /// An operator purged one of its photos.
    PhotoPurged,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Submitted => "submitted",
            Action::Edited => "edited",
            Action::PhotosChanged => "photos_changed",
            Action::Approved => "approved",
            Action::Rejected => "rejected",
            Action::PhotoPurged => "photo_purged",
        }
    }

    fn from_str(text: &str) -> Option<Action> {
        [
            Action::Submitted,
            Action::Edited,
            Action::PhotosChanged,
            Action::Approved,
            Action::Rejected,
            Action::PhotoPurged,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub listing_id: Uuid,
    pub at_ms: i64,
    /// `device <id>`, `auto`, or the operator's name.
    pub actor: String,
    pub action: Action,
    /// The listing's state after the event.
    pub state: ModerationState,
    pub reason: Option<String>,
}

/// The actor of what a device did.
pub(crate) fn device_actor(device_id: Uuid) -> String {
    format!("device {device_id}")
}

/// Appends `events`, in order, a few hundred per statement.
pub(crate) fn append(tx: &mut Tx<'_>, events: &[Event]) -> Result<()> {
    const ROWS: usize = 100;
    for chunk in events.chunks(ROWS) {
        let owned: Vec<[String; 2]> = chunk
            .iter()
            .map(|e| [Uuid::now_v7().to_string(), e.listing_id.to_string()])
            .collect();
        let mut values: Vec<Arg<'_>> = Vec::with_capacity(chunk.len() * 7);
        for (event, [id, listing]) in chunk.iter().zip(&owned) {
            values.extend([
                Arg::from(id),
                Arg::from(listing),
                Arg::Int(event.at_ms),
                Arg::from(&event.actor),
                Arg::from(event.action.as_str()),
                Arg::from(moderation::to_sql(event.state)),
                Arg::from(&event.reason),
            ]);
        }
        let rows = (0..chunk.len())
            .map(|i| {
                let n = i * 7;
                format!(
                    "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        tx.execute(
            &format!(
                "INSERT INTO moderation_events
                     (id, listing_id, at_ms, actor, action, state, reason)
                 VALUES {rows}"
            ),
            &values,
        )?;
    }
    Ok(())
}

/// The history of one listing, oldest first.
pub(crate) fn of_listing(tx: &mut Tx<'_>, listing_id: Uuid) -> Result<Vec<Event>> {
    tx.query(
        "SELECT at_ms, actor, action, state, reason FROM moderation_events
         WHERE listing_id = ?1 ORDER BY at_ms, id",
        args![&listing_id.to_string()],
    )?
    .iter()
    .map(|row| {
        let action: String = row.get(2)?;
        let state: String = row.get(3)?;
        Ok(Event {
            listing_id,
            at_ms: row.get(0)?,
            actor: row.get(1)?,
            action: Action::from_str(&action)
                .ok_or_else(|| crate::Error::Column(format!("action `{action}`")))?,
            state: moderation::from_sql(&state)
                .ok_or_else(|| crate::Error::Column(format!("state `{state}`")))?,
            reason: row.get(4)?,
        })
    })
    .collect()
}
