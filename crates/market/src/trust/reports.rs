//! "Report this listing": what buyers tell the operators, in a queue they
//! close as dismissed or actioned.

use uuid::Uuid;

use super::text::bounded;
use crate::db::{Tx, args};
use crate::error::{Error, Result};
use crate::lang::Lang;

/// Most characters of a report's free text.
pub(crate) const MAX_DETAILS_CHARS: usize = 1000;

/// Why a buyer reports a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportReason {
    NotHandmade,
    WrongPrice,
    Counterfeit,
    Offensive,
    Scam,
    Other,
}

impl ReportReason {
    pub(crate) fn all() -> [ReportReason; 6] {
        [
            ReportReason::NotHandmade,
            ReportReason::WrongPrice,
            ReportReason::Counterfeit,
            ReportReason::Offensive,
            ReportReason::Scam,
            ReportReason::Other,
        ]
    }

    pub(crate) fn key(self) -> &'static str {
        match self {
            ReportReason::NotHandmade => "not_handmade",
            ReportReason::WrongPrice => "wrong_price",
            ReportReason::Counterfeit => "counterfeit",
            ReportReason::Offensive => "offensive",
            ReportReason::Scam => "scam",
            ReportReason::Other => "other",
        }
    }

    pub(crate) fn parse(key: &str) -> Option<ReportReason> {
        ReportReason::all()
            .into_iter()
            .find(|r| r.key() == key.trim())
    }

    pub(crate) fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ReportReason::NotHandmade, Lang::Ar) => "ليس مصنوعًا يدويًا أو ليس من المغرب",
            (ReportReason::NotHandmade, Lang::Fr) => "Pas fait main, ou pas au Maroc",
            (ReportReason::NotHandmade, Lang::En) => "Not handmade, or not in Morocco",
            (ReportReason::WrongPrice, Lang::Ar) => "الثمن غير صحيح أو مضلل",
            (ReportReason::WrongPrice, Lang::Fr) => "Prix faux ou trompeur",
            (ReportReason::WrongPrice, Lang::En) => "Wrong or misleading price",
            (ReportReason::Counterfeit, Lang::Ar) => "تقليد أو علامة مزيفة",
            (ReportReason::Counterfeit, Lang::Fr) => "Contrefaçon ou faux label",
            (ReportReason::Counterfeit, Lang::En) => "Counterfeit or fake label",
            (ReportReason::Offensive, Lang::Ar) => "محتوى مسيء",
            (ReportReason::Offensive, Lang::Fr) => "Contenu choquant",
            (ReportReason::Offensive, Lang::En) => "Offensive content",
            (ReportReason::Scam, Lang::Ar) => "احتيال",
            (ReportReason::Scam, Lang::Fr) => "Arnaque",
            (ReportReason::Scam, Lang::En) => "Scam",
            (ReportReason::Other, Lang::Ar) => "سبب آخر",
            (ReportReason::Other, Lang::Fr) => "Autre raison",
            (ReportReason::Other, Lang::En) => "Other reason",
        }
    }
}

/// How an operator closes a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportState {
    /// Nothing wrong found.
    Dismissed,
    /// The listing was dealt with (rejected, label revoked…).
    Actioned,
}

impl ReportState {
    pub(crate) fn key(self) -> &'static str {
        match self {
            ReportState::Dismissed => "dismissed",
            ReportState::Actioned => "actioned",
        }
    }
}

/// An open report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub reason: ReportReason,
    pub details: Option<String>,
    pub at_ms: i64,
}

/// Files a report on `listing_id` (which must exist); its id.
pub(crate) fn add_report(
    tx: &mut Tx<'_>,
    listing_id: Uuid,
    reason: ReportReason,
    details: Option<&str>,
    now_ms: i64,
) -> Result<Uuid> {
    let details = bounded("the details", details, MAX_DETAILS_CHARS, true)?;
    let listing = listing_id.to_string();
    if tx
        .query_opt("SELECT 1 FROM listings WHERE id = ?1", args![&listing])?
        .is_none()
    {
        return Err(Error::UnknownListing(listing));
    }
    let id = Uuid::now_v7();
    tx.execute(
        "INSERT INTO listing_reports (id, listing_id, reason, details, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![&id.to_string(), &listing, reason.key(), &details, now_ms],
    )?;
    Ok(id)
}

/// The open reports, newest first.
pub(crate) fn open_reports(tx: &mut Tx<'_>) -> Result<Vec<Report>> {
    let rows = tx.query(
        "SELECT id, listing_id, reason, details, at_ms FROM listing_reports
         WHERE state = 'open' ORDER BY at_ms DESC, id DESC",
        &[],
    )?;
    rows.iter()
        .map(|row| {
            Ok(Report {
                id: row.get(0)?,
                listing_id: row.get(1)?,
                // A reason of a newer build reads as "other".
                reason: ReportReason::parse(&row.get::<String>(2)?).unwrap_or(ReportReason::Other),
                details: row.get(3)?,
                at_ms: row.get(4)?,
            })
        })
        .collect()
}

/// Closes an open report; `false` if there is no open report `id`.
pub(crate) fn close_report(
    tx: &mut Tx<'_>,
    id: Uuid,
    state: ReportState,
    by: &str,
    now_ms: i64,
) -> Result<bool> {
    let closed = tx.execute(
        "UPDATE listing_reports SET state = ?2, handled_by = ?3, handled_at_ms = ?4
         WHERE id = ?1 AND state = 'open'",
        args![&id.to_string(), state.key(), by, now_ms],
    )?;
    Ok(closed > 0)
}

/// How many open reports `listing_id` has.
pub(crate) fn open_report_count(tx: &mut Tx<'_>, listing_id: Uuid) -> Result<i64> {
    tx.query_one(
        "SELECT COUNT(*) FROM listing_reports WHERE listing_id = ?1 AND state = 'open'",
        args![&listing_id.to_string()],
    )?
    .get(0)
}
