//! The moderation queue: listings waiting for review, reported by buyers,
//! or rejected; a listing's preview as buyers will see it, with its
//! history; approve or reject, one or many at once, with a reason from the
//! translated list. A decision goes to the cooperative's devices on their
//! next pull, like one made with `hanout-market listing approve|reject`.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use protocol::ModerationState;
use serde::Deserialize;
use uuid::Uuid;

use super::words::{REJECT_REASONS, RejectReason};
use super::{Chrome, Form, Refusal, Session, html, lang_switch, redirect, when};
use crate::db::{Tx, args};
use crate::lang::Lang;
use crate::price::format_mad;
use crate::{Market, audit, blobs, moderation, moderation_history, ranged};

pub(super) fn router() -> Router<Market> {
    Router::new()
        .route("/admin/queue", get(queue))
        .route("/admin/listings/{id}", get(listing))
        .route("/admin/decide", post(decide))
        .route("/admin/photos/{file}", get(photo))
}

/// Which list of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Waiting,
    Reported,
    Rejected,
}

impl Tab {
    fn parse(text: Option<&str>) -> Tab {
        match text {
            Some("reported") => Tab::Reported,
            Some("rejected") => Tab::Rejected,
            _ => Tab::Waiting,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Tab::Waiting => "waiting",
            Tab::Reported => "reported",
            Tab::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    tab: Option<String>,
    lang: Option<String>,
}

struct Row {
    id: String,
    title: String,
    cooperative: String,
    since: String,
    /// Reports (reported tab) or the rejection reason (rejected tab).
    note: String,
}

struct TabLink {
    key: &'static str,
    name: &'static str,
    count: i64,
    current: bool,
}

struct ReasonOption {
    key: &'static str,
    name: &'static str,
}

fn reason_options(lang: Lang) -> Vec<ReasonOption> {
    REJECT_REASONS
        .iter()
        .map(|r| ReasonOption {
            key: r.key,
            name: r.name(lang),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueueHtml {
    chrome: Chrome,
    tabs: Vec<TabLink>,
    tab: &'static str,
    rows: Vec<Row>,
    reasons: Vec<ReasonOption>,
}

/// Most rows a tab shows at once (the oldest first: work from the top).
const PAGE: i64 = 200;

fn rows(tx: &mut Tx<'_>, tab: Tab) -> crate::Result<Vec<Row>> {
    let sql = match tab {
        Tab::Waiting => {
            "SELECT l.id, COALESCE(l.title_ar, l.title_fr, l.title_en, ''), c.name,
                    l.received_at_ms, ''
             FROM listings l JOIN cooperatives c ON c.id = l.cooperative_id
             WHERE l.moderation = 'pending' AND l.deleted = 0 AND l.published = 1
             ORDER BY l.received_at_ms, l.id LIMIT ?1"
        }
        Tab::Rejected => {
            "SELECT l.id, COALESCE(l.title_ar, l.title_fr, l.title_en, ''), c.name,
                    l.received_at_ms, COALESCE(l.rejection_reason, '')
             FROM listings l JOIN cooperatives c ON c.id = l.cooperative_id
             WHERE l.moderation = 'rejected' AND l.deleted = 0
             ORDER BY l.received_at_ms DESC, l.id LIMIT ?1"
        }
        Tab::Reported => {
            "SELECT l.id, COALESCE(l.title_ar, l.title_fr, l.title_en, ''), c.name,
                    MIN(r.at_ms), CAST(COUNT(*) AS TEXT)
             FROM listing_reports r JOIN listings l ON l.id = r.listing_id
                  JOIN cooperatives c ON c.id = l.cooperative_id
             WHERE r.state = 'open' AND l.deleted = 0
             GROUP BY l.id, l.title_ar, l.title_fr, l.title_en, c.name
             ORDER BY COUNT(*) DESC, MIN(r.at_ms) LIMIT ?1"
        }
    };
    tx.query(sql, args![PAGE])?
        .iter()
        .map(|row| {
            Ok(Row {
                id: row.get(0)?,
                title: row.get(1)?,
                cooperative: row.get(2)?,
                since: when(row.get(3)?),
                note: row.get(4)?,
            })
        })
        .collect()
}

fn counts(tx: &mut Tx<'_>) -> crate::Result<[i64; 3]> {
    let row = tx.query_one(
        "SELECT
            (SELECT COUNT(*) FROM listings
             WHERE moderation = 'pending' AND deleted = 0 AND published = 1),
            (SELECT COUNT(DISTINCT r.listing_id) FROM listing_reports r
             JOIN listings l ON l.id = r.listing_id WHERE r.state = 'open' AND l.deleted = 0),
            (SELECT COUNT(*) FROM listings WHERE moderation = 'rejected' AND deleted = 0)",
        &[],
    )?;
    Ok([row.get(0)?, row.get(1)?, row.get(2)?])
}

async fn queue(
    State(market): State<Market>,
    session: Session,
    Query(query): Query<QueueQuery>,
) -> Result<Response, Refusal> {
    let tab = Tab::parse(query.tab.as_deref());
    if let Some(switched) = lang_switch(
        query.lang.as_deref(),
        &format!("/admin/queue?tab={}", tab.key()),
    ) {
        return Ok(switched);
    }
    let (rows, counts) = market
        .read(move |tx| Ok((rows(tx, tab)?, counts(tx)?)))
        .await?;
    let w = super::words::words(session.lang);
    let tabs = [Tab::Waiting, Tab::Reported, Tab::Rejected]
        .into_iter()
        .zip(counts)
        .zip([w.waiting, w.reported, w.rejected])
        .map(|((t, count), name)| TabLink {
            key: t.key(),
            name,
            count,
            current: t == tab,
        })
        .collect();
    let page = QueueHtml {
        chrome: session.chrome("queue"),
        tabs,
        tab: tab.key(),
        rows,
        reasons: reason_options(session.lang),
    };
    Ok(html(StatusCode::OK, &page, &[]))
}

struct Preview {
    id: String,
    titles: Vec<(&'static str, &'static str, String)>,
    descriptions: Vec<(&'static str, &'static str, String)>,
    price: String,
    cooperative: String,
    state: String,
    rejection: Option<String>,
    details: Vec<(&'static str, String)>,
    photos: Vec<String>,
}

struct HistoryRow {
    when: String,
    actor: String,
    action: String,
    reason: String,
}

struct ReportRow {
    id: String,
    when: String,
    reason: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin/listing.html")]
struct ListingHtml {
    chrome: Chrome,
    listing: Preview,
    history: Vec<HistoryRow>,
    reports: Vec<ReportRow>,
    reasons: Vec<ReasonOption>,
    labels: Vec<super::trust::LabelRow>,
}

fn preview(tx: &mut Tx<'_>, id: Uuid, lang: Lang) -> crate::Result<Option<Preview>> {
    let Some(row) = tx.query_opt(
        "SELECT l.title_ar, l.title_fr, l.title_en, l.description_ar, l.description_fr,
                l.description_en, l.price_centimes, c.name, l.moderation, l.rejection_reason,
                l.materials, l.dimensions, l.origin, l.artisan, l.stock
         FROM listings l JOIN cooperatives c ON c.id = l.cooperative_id
         WHERE l.id = ?1 AND l.deleted = 0",
        args![&id.to_string()],
    )?
    else {
        return Ok(None);
    };
    let langs = [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")];
    let texts = |first: usize| -> crate::Result<Vec<_>> {
        Ok(langs
            .iter()
            .enumerate()
            .filter_map(|(i, (code, dir))| {
                row.get::<Option<String>>(first + i)
                    .ok()
                    .flatten()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| (*code, *dir, t))
            })
            .collect())
    };
    let mut details = Vec::new();
    for (i, name) in [
        (10, "materials"),
        (11, "dimensions"),
        (12, "origin"),
        (13, "artisan"),
    ] {
        if let Some(value) = row.get::<Option<String>>(i)? {
            details.push((name, value));
        }
    }
    if let Some(stock) = row.get::<Option<i64>>(14)? {
        details.push(("stock", stock.to_string()));
    }
    let photos = tx
        .query(
            "SELECT display FROM listing_photos WHERE listing_id = ?1 ORDER BY position",
            args![&id.to_string()],
        )?
        .iter()
        .map(|r| r.get::<String>(0))
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(Some(Preview {
        id: id.to_string(),
        titles: texts(0)?,
        descriptions: texts(3)?,
        price: format_mad(row.get(6)?, lang),
        cooperative: row.get(7)?,
        state: row.get(8)?,
        rejection: row.get(9)?,
        details,
        photos,
    }))
}

async fn listing(
    State(market): State<Market>,
    session: Session,
    Path(id): Path<Uuid>,
) -> Result<Response, Refusal> {
    let lang = session.lang;
    let found = market
        .read(move |tx| {
            let Some(listing) = preview(tx, id, lang)? else {
                return Ok(None);
            };
            let history = moderation_history::of_listing(tx, id)?
                .into_iter()
                .map(|e| HistoryRow {
                    when: when(e.at_ms),
                    actor: e.actor,
                    action: e.action.to_string(),
                    reason: e.reason.unwrap_or_default(),
                })
                .collect::<Vec<_>>();
            let reports = tx
                .query(
                    "SELECT id, at_ms, reason, COALESCE(details, '') FROM listing_reports
                     WHERE listing_id = ?1 AND state = 'open' ORDER BY at_ms DESC",
                    args![&id.to_string()],
                )?
                .iter()
                .map(|r| {
                    Ok(ReportRow {
                        id: r.get(0)?,
                        when: when(r.get(1)?),
                        reason: super::trust::report_reason(&r.get::<String>(2)?, lang),
                        details: r.get(3)?,
                    })
                })
                .collect::<crate::Result<Vec<_>>>()?;
            let labels = super::trust::label_rows(tx, crate::trust::Subject::Listing(id), lang)?;
            Ok(Some((listing, history, reports, labels)))
        })
        .await?;
    let Some((listing, history, reports, labels)) = found else {
        return Err(Refusal::NotFound(session.lang));
    };
    let page = ListingHtml {
        chrome: session.chrome("queue"),
        listing,
        history,
        reports,
        reasons: reason_options(session.lang),
        labels,
    };
    Ok(html(StatusCode::OK, &page, &[]))
}

/// Approve or reject the listings of the form's `id` fields (one from a
/// preview, many from the queue's check boxes), each in the same
/// transaction as its audit entry; then back to where the form was.
async fn decide(
    State(market): State<Market>,
    session: Session,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    let ids: Vec<Uuid> = form.all("id").filter_map(|id| id.parse().ok()).collect();
    let approve = match form.get("action") {
        Some("approve") => true,
        Some("reject") => false,
        _ => return Err(Refusal::NotFound(session.lang)),
    };
    let reason = if approve {
        None
    } else {
        let Some(reason) = form.get("reason").and_then(RejectReason::by_key) else {
            // A rejection without a reason from the list: nothing to tell
            // the cooperative. Back to the page, nothing done.
            return Ok(redirect(back(&form)));
        };
        let note: String = form.get("note").unwrap_or("").chars().take(500).collect();
        Some((reason.key, reason.for_cooperative(&note)))
    };
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    market
        .run(move |tx| {
            for id in ids {
                let (state, text, action) = match &reason {
                    None => (ModerationState::Approved, None, "listing.approve"),
                    Some((_, text)) => (
                        ModerationState::Rejected,
                        Some(text.as_str()),
                        "listing.reject",
                    ),
                };
                match moderation::decide(tx, id, state, text, &by, now_ms) {
                    Ok(()) => {}
                    // Deleted by its cooperative meanwhile: skip it.
                    Err(crate::Error::UnknownListing(_)) => continue,
                    Err(err) => return Err(err),
                }
                audit::record(
                    tx,
                    now_ms,
                    &by,
                    action,
                    Some(&id.to_string()),
                    reason.as_ref().map(|(key, _)| *key),
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(redirect(back(&form)))
}

/// Where a decision form returns: the queue tab it came from, or the
/// listing's preview.
fn back(form: &Form) -> &'static str {
    match form.get("back") {
        Some("reported") => "/admin/queue?tab=reported",
        Some("rejected") => "/admin/queue?tab=rejected",
        _ => "/admin/queue?tab=waiting",
    }
}

/// Any stored photo, for the previews of listings buyers cannot see yet.
async fn photo(
    State(market): State<Market>,
    session: Session,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let lang = session.lang;
    let Some(sha256) = file
        .strip_suffix(".jpg")
        .filter(|h| blobs::is_sha256(h))
        .map(str::to_owned)
    else {
        return Err(Refusal::NotFound(lang));
    };
    let lookup = sha256.clone();
    let size = market
        .read(move |tx| {
            tx.query_opt("SELECT size FROM photos WHERE sha256 = ?1", args![&lookup])?
                .map(|row| row.get::<i64>(0))
                .transpose()
        })
        .await?
        .ok_or(Refusal::NotFound(lang))?;
    let blob = ranged::Blob {
        key: blobs::photo_key(&sha256),
        size: u64::try_from(size).unwrap_or(0),
        etag: format!("\"{sha256}\""),
        headers: vec![
            (CONTENT_TYPE, "image/jpeg".to_owned()),
            (CACHE_CONTROL, "private, no-store".to_owned()),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
    };
    ranged::respond(market.blobs(), blob, &headers)
        .await?
        .ok_or(Refusal::NotFound(lang))
}
