//! The operators' audit log: who did what in the console or with the
//! operator commands, when. Appended, never overwritten (the database
//! refuses UPDATE and DELETE on `audit_log`). Write the entry in the same
//! transaction as the action it records.

#![allow(dead_code)] // TEMP: its callers (console, trust) land next.

use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::Result;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at_ms: i64,
    /// The operator's email, or `cli` for commands run on the server.
    pub operator: String,
    /// What was done: `listing.approve`, `label.grant`, `operator.add`, …
    pub action: String,
    /// What it was done to: a listing's or cooperative's id, an email.
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// Appends an entry.
pub(crate) fn record(
    tx: &mut Tx<'_>,
    at_ms: i64,
    operator: &str,
    action: &str,
    subject: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (id, at_ms, operator, action, subject, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            &Uuid::now_v7().to_string(),
            at_ms,
            operator,
            action,
            subject,
            detail
        ],
    )?;
    Ok(())
}

/// The newest `limit` entries, newest first.
pub(crate) fn newest(tx: &mut Tx<'_>, limit: i64) -> Result<Vec<Entry>> {
    tx.query(
        "SELECT at_ms, operator, action, subject, detail FROM audit_log
         ORDER BY id DESC LIMIT ?1",
        args![limit],
    )?
    .iter()
    .map(|row| {
        Ok(Entry {
            at_ms: row.get(0)?,
            operator: row.get(1)?,
            action: row.get(2)?,
            subject: row.get(3)?,
            detail: row.get(4)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use crate::Market;

    #[test]
    fn the_log_keeps_entries_and_refuses_edits() {
        let dir = tempfile::tempdir().unwrap();
        let market = Market::open(dir.path()).unwrap();
        market
            .db()
            .write(|tx| {
                super::record(
                    tx,
                    1,
                    "amina@chamber.ma",
                    "listing.approve",
                    Some("L1"),
                    None,
                )?;
                super::record(tx, 2, "cli", "operator.add", Some("x@y.ma"), Some("admin"))
            })
            .unwrap();
        let entries = market.db().read(|tx| super::newest(tx, 10)).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action, "operator.add", "newest first");
        assert_eq!(entries[1].subject.as_deref(), Some("L1"));
        for sql in [
            "UPDATE audit_log SET operator = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let err = market.db().write(|tx| tx.execute(sql, &[])).unwrap_err();
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        assert_eq!(
            market.db().read(|tx| super::newest(tx, 10)).unwrap(),
            entries
        );
    }
}
