use uuid::Uuid;

use crate::error::{Error, Result};
use crate::{Listing, ListingId, Store};

/// The newest unsent change of one listing, ready to push.
///
/// Older pending changes of the same listing are folded into it: the server
/// gets the listing's current state once, under the newest change id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    pub seq: i64,
    pub change_id: Uuid,
    pub listing_id: ListingId,
    pub op: PendingOp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingOp {
    Upsert(Box<Listing>),
    Delete,
}

/// What the marketplace said about one pushed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushAck {
    /// Applied now or before: the listing is live.
    Accepted,
    /// Refused for good; shown to the manager.
    Rejected { reason: String },
}

impl Store {
    /// Up to `limit` listings with unsent changes, oldest change first.
    pub fn pending_changes(&self, limit: usize) -> Result<Vec<PendingChange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.seq, o.change_id, o.listing_id, o.op
             FROM outbox o
             JOIN (SELECT listing_id, MAX(seq) AS seq FROM outbox WHERE state = 'pending' GROUP BY listing_id) p
               ON p.seq = o.seq
             ORDER BY o.seq
             LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        rows.into_iter()
            .map(|(seq, change_id, listing_id, op)| {
                let change_id =
                    Uuid::parse_str(&change_id).map_err(|_| Error::NotFound(change_id.clone()))?;
                let listing_id: ListingId = listing_id.parse()?;
                let op = match op.as_str() {
                    "delete" => PendingOp::Delete,
                    _ => PendingOp::Upsert(Box::new(
                        self.listing(listing_id)?
                            .ok_or_else(|| Error::NotFound(listing_id.to_string()))?,
                    )),
                };
                Ok(PendingChange {
                    seq,
                    change_id,
                    listing_id,
                    op,
                })
            })
            .collect()
    }

    /// Records the marketplace's answers in one transaction: each ack covers
    /// the listing's pending changes up to and including `seq`.
    pub fn record_acks(&mut self, acks: &[(ListingId, i64, PushAck)], now_ms: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET state = ?3, reason = ?4, done_at_ms = ?5
                 WHERE listing_id = ?1 AND seq <= ?2 AND state = 'pending'",
            )?;
            for (listing_id, seq, ack) in acks {
                let (state, reason) = match ack {
                    PushAck::Accepted => ("sent", None),
                    PushAck::Rejected { reason } => ("rejected", Some(reason.as_str())),
                };
                stmt.execute((listing_id.to_string(), seq, state, reason, now_ms))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many listings have changes waiting to be sent.
    pub fn pending_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(DISTINCT listing_id) FROM outbox WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?;
        Ok(n as u64)
    }
}
