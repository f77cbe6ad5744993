use std::collections::BTreeMap;

use protocol::{Hlc, ListingField, StockPart};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::edits::{Row, fold};
use crate::error::{Error, Result};
use crate::{Listing, ListingId, Store};

/// The change of one listing to push next.
///
/// A change already sent whose answer never came is [`frozen`](Self::frozen):
/// it goes again exactly as it went, and the edits made since wait for the
/// next change. Otherwise the listing's pending changes are folded: the
/// server gets the listing's current state once, under the newest change id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    pub seq: i64,
    pub change_id: Uuid,
    pub listing_id: ListingId,
    pub op: PendingOp,
    /// The newest folded edit's clock reading (`None`: a row from before clocks).
    pub hlc: Option<Hlc>,
    /// The server version the edits started from (`None`: never acknowledged).
    pub base_version: Option<i64>,
    /// The fields the folded edits set, sorted (`None`: all of them).
    pub fields: Option<Vec<ListingField>>,
    /// Units added or sold by the folded edits, when they changed the stock
    /// of a listing the server has (`None`: the stock is sent whole).
    pub stock_delta: Option<i64>,
    /// Per field, the clock of the folded edit that set it, when they
    /// differ (`None`: every field at `hlc`).
    pub field_hlcs: Option<BTreeMap<ListingField, Hlc>>,
    /// The folded rows that set the stock, by change id, when more than
    /// this change's own row did (see [`protocol::Change::stock_parts`]).
    pub stock_parts: Vec<StockPart>,
    /// The artisan's name, as the wire carries it.
    pub artisan_name: Option<String>,
    /// The body this change went out with before (JSON of the wire
    /// change), when it was sent and not yet answered: send exactly this.
    pub frozen: Option<String>,
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
        // Per listing: its frozen send if it has one (the rows it carries are
        // still pending), else the newest pending row.
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.seq, o.change_id, o.listing_id, o.op, o.hlc_ms, o.hlc_counter, NULL
             FROM outbox o
             JOIN (SELECT listing_id, MAX(seq) AS seq FROM outbox WHERE state = 'pending' GROUP BY listing_id) p
               ON p.seq = o.seq
             WHERE o.listing_id NOT IN (SELECT listing_id FROM outbox_sends)
             UNION ALL
             SELECT f.up_to_seq, f.change_id, f.listing_id, 'frozen', NULL, NULL, f.body
             FROM outbox_sends f
             ORDER BY 1
             LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<i64>>(4)?,
                    row.get::<_, Option<u32>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;

        rows.into_iter()
            .map(
                |(seq, change_id, listing_id, op, hlc_ms, hlc_counter, frozen)| {
                    let change_id = Uuid::parse_str(&change_id)
                        .map_err(|_| Error::NotFound(change_id.clone()))?;
                    let listing_id: ListingId = listing_id.parse()?;
                    let listing = self
                        .listing(listing_id)?
                        .ok_or_else(|| Error::NotFound(listing_id.to_string()))?;
                    if frozen.is_some() {
                        return Ok(PendingChange {
                            seq,
                            change_id,
                            listing_id,
                            hlc: None,
                            base_version: None,
                            fields: None,
                            stock_delta: None,
                            field_hlcs: None,
                            stock_parts: Vec::new(),
                            artisan_name: None,
                            frozen,
                            op: PendingOp::Upsert(Box::new(listing)),
                        });
                    }
                    let folded = match op.as_str() {
                        "delete" => Default::default(),
                        _ => fold(&self.folded_edits(listing_id, seq)?),
                    };
                    let artisan_name = match listing.artisan {
                        Some(artisan) if op != "delete" => self.artisan_name(artisan)?,
                        _ => None,
                    };
                    Ok(PendingChange {
                        seq,
                        change_id,
                        listing_id,
                        hlc: hlc_ms.map(|ms| Hlc {
                            ms,
                            counter: hlc_counter.unwrap_or(0),
                        }),
                        base_version: listing.server_version,
                        fields: folded.fields,
                        stock_delta: folded.stock_delta,
                        field_hlcs: folded.field_hlcs,
                        stock_parts: folded.stock_parts,
                        artisan_name,
                        frozen: None,
                        op: match op.as_str() {
                            "delete" => PendingOp::Delete,
                            _ => PendingOp::Upsert(Box::new(listing)),
                        },
                    })
                },
            )
            .collect()
    }

    /// Records the bodies of changes about to be sent, before they are
    /// sent: `(listing, change id, up to seq, body)`. A listing already
    /// frozen keeps its first body.
    pub fn freeze_sends(&mut self, sends: &[(ListingId, Uuid, i64, String)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO outbox_sends (listing_id, change_id, up_to_seq, body)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (listing_id) DO NOTHING",
            )?;
            for (listing_id, change_id, seq, body) in sends {
                stmt.execute((listing_id.to_string(), change_id.to_string(), seq, body))?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The listing's pending rows up to `seq`, oldest first.
    fn folded_edits(&self, id: ListingId, seq: i64) -> Result<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT fields, stock_delta, hlc_ms, hlc_counter, change_id FROM outbox
             WHERE listing_id = ?1 AND state = 'pending' AND seq <= ?2 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map((id.to_string(), seq), |row| {
                let ms: Option<i64> = row.get(2)?;
                let counter: Option<u32> = row.get(3)?;
                let change_id: String = row.get(4)?;
                Ok(Row {
                    change_id: Uuid::parse_str(&change_id).unwrap_or_default(),
                    fields: row.get(0)?,
                    stock_delta: row.get(1)?,
                    hlc: ms.map(|ms| Hlc {
                        ms,
                        counter: counter.unwrap_or(0),
                    }),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn artisan_name(&self, id: crate::ArtisanId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM artisans WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?)
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
            let mut unfreeze = tx.prepare_cached(
                "DELETE FROM outbox_sends WHERE listing_id = ?1 AND up_to_seq <= ?2",
            )?;
            for (listing_id, seq, ack) in acks {
                let (state, reason) = match ack {
                    PushAck::Accepted => ("sent", None),
                    PushAck::Rejected { reason } => ("rejected", Some(reason.as_str())),
                };
                stmt.execute((listing_id.to_string(), seq, state, reason, now_ms))?;
                unfreeze.execute((listing_id.to_string(), seq))?;
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
