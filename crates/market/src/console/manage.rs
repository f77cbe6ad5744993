//! The admins' pages: cooperatives and their devices, operators, the
//! audit log.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::accounts::{self, Role};
use super::{Chrome, Form, MessageHtml, Refusal, Session, html, lang_switch, redirect, when};
use crate::db::args;
use crate::{Market, admin, audit};
pub(super) fn router() -> Router<Market> {
    Router::new()
        .route("/admin/cooperatives", get(cooperatives))
        .route("/admin/cooperatives/{slug}/code", post(new_code))
        .route("/admin/devices/{id}/revoke", post(revoke))
        .route("/admin/operators", get(operators).post(add_operator))
        .route("/admin/operators/disable", post(disable_operator))
        .route("/admin/audit", get(audit_log))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct LangQuery {
    pub(super) lang: Option<String>,
}

struct CoopRow {
    id: String,
    slug: String,
    legal_name: String,
    registration: String,
    city: String,
    region: String,
    labels: Vec<super::trust::LabelRow>,
    name: String,
    since: String,
    listings: i64,
    devices: Vec<DeviceRow>,
}

struct DeviceRow {
    id: String,
    name: String,
    since: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "admin/cooperatives.html")]
struct CooperativesHtml {
    chrome: Chrome,
    coops: Vec<CoopRow>,
}

async fn cooperatives(
    State(market): State<Market>,
    session: Session,
    Query(query): Query<LangQuery>,
) -> Result<Response, Refusal> {
    if let Some(switched) = lang_switch(query.lang.as_deref(), "/admin/cooperatives") {
        return Ok(switched);
    }
    session.require_admin()?;
    let lang = session.lang;
    let coops = market
        .read(move |tx| {
            let mut coops = tx
                .query(
                    "SELECT c.id, c.slug, c.name, c.created_at,
                        (SELECT COUNT(*) FROM listings l WHERE l.cooperative_id = c.id AND l.deleted = 0),
                        COALESCE(c.legal_name, ''), COALESCE(c.registration, ''),
                        COALESCE(c.city, ''), COALESCE(c.region, '')
                     FROM cooperatives c ORDER BY c.slug",
                    &[],
                )?
                .iter()
                .map(|row| {
                    Ok((
                        row.get::<String>(0)?,
                        CoopRow {
                            id: row.get(0)?,
                            slug: row.get(1)?,
                            legal_name: row.get(5)?,
                            registration: row.get(6)?,
                            city: row.get(7)?,
                            region: row.get(8)?,
                            labels: Vec::new(),
                            name: row.get(2)?,
                            since: when(row.get(3)?),
                            listings: row.get(4)?,
                            devices: Vec::new(),
                        },
                    ))
                })
                .collect::<crate::Result<Vec<_>>>()?;
            for (id, coop) in &mut coops {
                if let Ok(coop_id) = id.parse() {
                    coop.labels = super::trust::label_rows(
                        tx,
                        crate::trust::Subject::Cooperative(coop_id),
                        lang,
                    )?;
                }
                coop.devices = tx
                    .query(
                        "SELECT id, name, created_at, revoked_at IS NOT NULL FROM devices
                         WHERE cooperative_id = ?1 ORDER BY created_at, id",
                        args![&*id],
                    )?
                    .iter()
                    .map(|row| {
                        Ok(DeviceRow {
                            id: row.get(0)?,
                            name: crate::enroll::clean_device_name(&row.get::<String>(1)?),
                            since: when(row.get(2)?),
                            revoked: row.get(3)?,
                        })
                    })
                    .collect::<crate::Result<Vec<_>>>()?;
            }
            Ok(coops.into_iter().map(|(_, coop)| coop).collect())
        })
        .await?;
    Ok(html(
        StatusCode::OK,
        &CooperativesHtml {
            chrome: session.chrome("cooperatives"),
            coops,
        },
        &[],
    ))
}

async fn new_code(
    State(market): State<Market>,
    session: Session,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, Refusal> {
    session.check_form(&Form::parse(&body))?;
    session.require_admin()?;
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let lookup = slug.clone();
    let code = market
        .run(move |tx| {
            let code = match admin::issue_enrollment_code(tx, &lookup, now_ms) {
                Ok(code) => code,
                Err(crate::Error::UnknownCooperative(_)) => return Ok(None),
                Err(err) => return Err(err),
            };
            audit::record(
                tx,
                now_ms,
                &by,
                "cooperative.enrollment_code",
                Some(&lookup),
                None,
            )?;
            Ok(Some(code))
        })
        .await?
        .ok_or(Refusal::NotFound(session.lang))?;
    let w = super::words::words(session.lang);
    let page = MessageHtml {
        chrome: session.chrome("cooperatives"),
        message: format!("{} {slug}. {}", w.code_for, w.code_note),
        link: Some(code),
    };
    Ok(html(StatusCode::OK, &page, &[]))
}

async fn revoke(
    State(market): State<Market>,
    session: Session,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Response, Refusal> {
    session.check_form(&Form::parse(&body))?;
    session.require_admin()?;
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let found = market
        .run(move |tx| match admin::revoke_device_in(tx, id, now_ms) {
            Ok(()) => {
                audit::record(
                    tx,
                    now_ms,
                    &by,
                    "device.revoke",
                    Some(&id.to_string()),
                    None,
                )?;
                Ok(true)
            }
            Err(crate::Error::UnknownDevice(_)) => Ok(false),
            Err(err) => Err(err),
        })
        .await?;
    if !found {
        return Err(Refusal::NotFound(session.lang));
    }
    Ok(redirect("/admin/cooperatives"))
}

struct OperatorRow {
    email: String,
    role: &'static str,
    state: &'static str,
    since: String,
    can_disable: bool,
}

#[derive(Template)]
#[template(path = "admin/operators.html")]
struct OperatorsHtml {
    chrome: Chrome,
    operators: Vec<OperatorRow>,
}

async fn operators(
    State(market): State<Market>,
    session: Session,
    Query(query): Query<LangQuery>,
) -> Result<Response, Refusal> {
    if let Some(switched) = lang_switch(query.lang.as_deref(), "/admin/operators") {
        return Ok(switched);
    }
    session.require_admin()?;
    let w = super::words::words(session.lang);
    let operators = market
        .read(accounts::list)
        .await?
        .into_iter()
        .map(|op| OperatorRow {
            can_disable: !op.disabled && op.email != session.operator.email,
            role: match op.role {
                Role::Admin => w.admin,
                Role::Moderator => w.moderator,
            },
            state: if op.disabled {
                w.disabled
            } else if !op.active {
                w.pending_setup
            } else {
                ""
            },
            since: when(op.created_at_ms),
            email: op.email,
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &OperatorsHtml {
            chrome: session.chrome("operators"),
            operators,
        },
        &[],
    ))
}

async fn add_operator(
    State(market): State<Market>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    session.require_admin()?;
    let email = form.get("email").unwrap_or("").to_owned();
    let role = Role::parse(form.get("role").unwrap_or("")).unwrap_or(Role::Moderator);
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let token = match market
        .run(move |tx| accounts::add(tx, &email, role, &by, now_ms))
        .await
    {
        Ok(token) => token,
        Err(crate::Error::InvalidEmail(_)) => return Err(Refusal::NotFound(session.lang)),
        Err(err) => return Err(err.into()),
    };
    let base = crate::pages::base_url(&market, &headers);
    let w = super::words::words(session.lang);
    let page = MessageHtml {
        chrome: session.chrome("operators"),
        message: w.setup_link.to_owned(),
        link: Some(format!("{base}/admin/setup/{token}")),
    };
    Ok(html(StatusCode::OK, &page, &[]))
}

async fn disable_operator(
    State(market): State<Market>,
    session: Session,
    body: Bytes,
) -> Result<Response, Refusal> {
    let form = Form::parse(&body);
    session.check_form(&form)?;
    session.require_admin()?;
    let email = form.get("email").unwrap_or("").to_owned();
    if email == session.operator.email {
        return Err(Refusal::Forbidden(session.lang));
    }
    let now_ms = market.now_ms();
    let by = session.operator.email.clone();
    let found = market
        .run(move |tx| accounts::disable(tx, &email, &by, now_ms))
        .await
        .unwrap_or(false);
    if !found {
        return Err(Refusal::NotFound(session.lang));
    }
    Ok(redirect("/admin/operators"))
}

struct AuditRow {
    when: String,
    operator: String,
    action: String,
    subject: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditHtml {
    chrome: Chrome,
    entries: Vec<AuditRow>,
}

async fn audit_log(
    State(market): State<Market>,
    session: Session,
    Query(query): Query<LangQuery>,
) -> Result<Response, Refusal> {
    if let Some(switched) = lang_switch(query.lang.as_deref(), "/admin/audit") {
        return Ok(switched);
    }
    session.require_admin()?;
    let entries = market
        .read(|tx| audit::newest(tx, 500))
        .await?
        .into_iter()
        .map(|e| AuditRow {
            when: when(e.at_ms),
            operator: e.operator,
            action: e.action,
            subject: e.subject.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &AuditHtml {
            chrome: session.chrome("audit"),
            entries,
        },
        &[],
    ))
}
