//! What buyers are told they can trust, managed from the console: closing
//! buyers' reports (moderators), verified labels and cooperatives' legal
//! profiles (admins), and the messages buyers sent through cooperatives'
//! pages (moderators forward them). The rules live in `crate::trust`; each
//! action here writes its audit entry in the same transaction.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use uuid::Uuid;

use super::manage::LangQuery;
use super::{Chrome, Form, Refusal, Session, html, lang_switch, redirect, when};
use crate::db::Tx;
use crate::lang::Lang;
use crate::trust::{self, Label, MessageState, ReportState, Subject};
use crate::{Market, audit, cooperative};

pub(super) fn router() -> Router<Market> {
    Router::new()
        .route("/admin/reports/{id}/close", post(close_report))
        .route("/admin/labels", post(set_label))
        .route("/admin/cooperatives/{slug}/profile", post(set_profile))
        .route("/admin/messages", get(messages))
        .route("/admin/messages/{id}", post(mark_message))
}

/// One verified label as the console shows it: granted or not.
pub(crate) struct LabelRow {
    pub key: &'static str,
    pub name: &'static str,
    pub granted: bool,
    pub note: String,
}

/// Every label, granted or not, of `subject`.
pub(crate) fn label_rows(
    tx: &mut Tx<'_>,
    subject: Subject,
    lang: Lang,
) -> crate::Result<Vec<LabelRow>> {
    let granted = trust::labels(tx, subject)?;
    Ok(Label::all()
        .into_iter()
        .map(|label| {
            let found = granted.iter().find(|g| g.label == label);
            LabelRow {
                key: label.key(),
                name: label.name(lang),
                granted: found.is_some(),
                note: found.and_then(|g| g.note.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

/// The reason of a report, in the console's language.
pub(crate) fn report_reason(key: &str, lang: Lang) -> String {
    trust::ReportReason::parse(key).map_or_else(|| key.to_owned(), |r| r.name(lang).to_owned())
}

async fn close_report(
    State(market): State<Market>,
    session: Session,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    let state = match form.get("state") {
        Some("actioned") => ReportState::Actioned,
        _ => ReportState::Dismissed,
    };
    let listing: Option<Uuid> = form.get("listing").and_then(|l| l.parse().ok());
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let closed = market
        .run(move |tx| {
            let closed = trust::close_report(tx, id, state, &by, now_ms)?;
            if closed {
                let subject = id.to_string();
                audit::record(
                    tx,
                    now_ms,
                    &by,
                    "report.close",
                    Some(&subject),
                    Some(state.key()),
                )?;
            }
            Ok(closed)
        })
        .await?;
    if !closed {
        return Err(Refusal::NotFound(session.lang));
    }
    Ok(match listing {
        Some(listing) => redirect(&format!("/admin/listings/{listing}")),
        None => redirect("/admin/queue?tab=reported"),
    })
}

/// Grant or take back a verified label, of a cooperative or a listing.
async fn set_label(
    State(market): State<Market>,
    session: Session,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    session.require_admin()?;
    let lang = session.lang;
    let id: Uuid = form
        .get("id")
        .and_then(|id| id.parse().ok())
        .ok_or(Refusal::NotFound(lang))?;
    let (subject, back) = match form.get("subject") {
        Some("listing") => (Subject::Listing(id), format!("/admin/listings/{id}")),
        Some("cooperative") => (Subject::Cooperative(id), "/admin/cooperatives".to_owned()),
        _ => return Err(Refusal::NotFound(lang)),
    };
    let label = form
        .get("label")
        .and_then(Label::parse)
        .ok_or(Refusal::NotFound(lang))?;
    let grant = form.get("op") == Some("grant");
    let note = form
        .get("note")
        .map(str::to_owned)
        .filter(|n| !n.trim().is_empty());
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let done = market
        .run(move |tx| {
            let subject_id = id.to_string();
            if grant {
                match trust::grant_label(tx, subject, label, note.as_deref(), &by, now_ms) {
                    Ok(()) => {}
                    Err(crate::Error::UnknownCooperative(_) | crate::Error::UnknownListing(_)) => {
                        return Ok(false);
                    }
                    Err(err) => return Err(err),
                }
                audit::record(
                    tx,
                    now_ms,
                    &by,
                    "label.grant",
                    Some(&subject_id),
                    Some(label.key()),
                )?;
            } else if trust::revoke_label(tx, subject, label)? {
                audit::record(
                    tx,
                    now_ms,
                    &by,
                    "label.revoke",
                    Some(&subject_id),
                    Some(label.key()),
                )?;
            }
            Ok(true)
        })
        .await?;
    if !done {
        return Err(Refusal::NotFound(lang));
    }
    Ok(redirect(&back))
}

async fn set_profile(
    State(market): State<Market>,
    session: Session,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    session.require_admin()?;
    let field = |name| form.get(name).map(str::to_owned);
    let profile = trust::Profile {
        legal_name: field("legal_name"),
        registration: field("registration"),
        city: field("city"),
        region: field("region"),
    };
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let found = market
        .run(move |tx| {
            let Some(coop) = cooperative::by_slug(tx, &slug)? else {
                return Ok(false);
            };
            trust::set_profile(tx, coop.id, &profile)?;
            audit::record(tx, now_ms, &by, "cooperative.profile", Some(&slug), None)?;
            Ok(true)
        })
        .await;
    match found {
        Ok(true) => Ok(redirect("/admin/cooperatives")),
        // Unknown cooperative, or a field too long (the form's maxlength
        // keeps a browser from sending one).
        Ok(false) | Err(crate::Error::TooLong { .. }) => Err(Refusal::NotFound(session.lang)),
        Err(err) => Err(err.into()),
    }
}

struct MessageRow {
    id: String,
    when: String,
    cooperative: String,
    listing: Option<String>,
    sender: String,
    reply_to: String,
    body: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "admin/messages.html")]
struct MessagesHtml {
    chrome: Chrome,
    messages: Vec<MessageRow>,
}

async fn messages(
    State(market): State<Market>,
    session: Session,
    Query(query): Query<LangQuery>,
) -> Result<Response, Refusal> {
    if let Some(switched) = lang_switch(query.lang.as_deref(), "/admin/messages") {
        return Ok(switched);
    }
    let rows = market
        .read(|tx| {
            let found = trust::messages(tx, None, 200)?;
            let mut rows = Vec::with_capacity(found.len());
            for m in found {
                let coop = tx
                    .query_opt(
                        "SELECT name FROM cooperatives WHERE id = ?1",
                        crate::db::args![&m.cooperative_id.to_string()],
                    )?
                    .map(|row| row.get::<String>(0))
                    .transpose()?
                    .unwrap_or_default();
                rows.push(MessageRow {
                    id: m.id.to_string(),
                    when: when(m.at_ms),
                    cooperative: coop,
                    listing: m.listing_id.map(|l| l.to_string()),
                    sender: m.sender_name,
                    reply_to: m.reply_to,
                    body: m.body,
                    state: m.state.key(),
                });
            }
            Ok(rows)
        })
        .await?;
    Ok(html(
        StatusCode::OK,
        &MessagesHtml {
            chrome: session.chrome("messages"),
            messages: rows,
        },
        &[],
    ))
}

async fn mark_message(
    State(market): State<Market>,
    session: Session,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    let state = form
        .get("state")
        .and_then(MessageState::parse)
        .ok_or(Refusal::NotFound(session.lang))?;
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let found = market
        .run(move |tx| {
            let found = trust::set_message_state(tx, id, state)?;
            if found {
                let subject = id.to_string();
                audit::record(
                    tx,
                    now_ms,
                    &by,
                    "message.mark",
                    Some(&subject),
                    Some(state.key()),
                )?;
            }
            Ok(found)
        })
        .await?;
    if !found {
        return Err(Refusal::NotFound(session.lang));
    }
    Ok(redirect("/admin/messages"))
}
