//! Signing in and out, setting up an account, and the admins' pages:
//! cooperatives and their devices, operators, the audit log.

use std::time::Duration;

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
use super::{
    Chrome, Form, LOGIN_COOKIE, MessageHtml, Refusal, SESSION_COOKIE, Session, cookie, html,
    lang_of, lang_switch, redirect, redirect_with, set_cookie, when,
};
use crate::db::args;
use crate::lang::Lang;
use crate::rate_limit::Peer;
use crate::rate_limit::{self, Limiter, RateLimit};
use crate::{Market, admin, audit};

/// Five wrong passwords in a row, then one more try a minute — per client
/// address and per email (an attacker with many addresses still gets one
/// guess a minute at any one account).
const LOGIN_RATE: RateLimit = RateLimit {
    burst: 5,
    refill_every: Duration::from_secs(60),
};

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
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginHtml {
    chrome: Chrome,
    error: Option<&'static str>,
    email: String,
}

fn login_form(
    lang: Lang,
    error: Option<&'static str>,
    email: String,
    status: StatusCode,
) -> Response {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let mut chrome = Chrome::anonymous(lang);
    chrome.csrf = token.clone();
    let page = LoginHtml {
        chrome,
        error,
        email,
    };
    html(status, &page, &[set_cookie(LOGIN_COOKIE, &token, 3600)])
}

pub(super) async fn login_page(headers: HeaderMap, Query(query): Query<LangQuery>) -> Response {
    if let Some(switched) = lang_switch(query.lang.as_deref(), "/admin/login") {
        return switched;
    }
    login_form(lang_of(&headers), None, String::new(), StatusCode::OK)
}

pub(super) async fn login(
    State(market): State<Market>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let lang = lang_of(&headers);
    let form = Form::parse(&body);
    // No session yet: the form's token must match its cookie (a page of
    // another site cannot read the cookie to copy it).
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty()
        || !super::constant_time_eq(
            form.get("csrf").unwrap_or("").as_bytes(),
            expected.as_bytes(),
        )
    {
        return Err(Refusal::Forged(lang));
    }
    let email = form.get("email").unwrap_or("").trim().to_lowercase();
    let password = form.get("password").unwrap_or("").to_owned();
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let ip = rate_limit::client_ip(peer, forwarded, &market.config().trusted_proxies);
    let client = format!("console login {}", rate_limit::client_key(ip));
    let account = format!("console login {email}");
    let now_ms = market.now_ms();
    let lookup = email.clone();
    let (limited, found) = market
        .run(move |tx| {
            let limiter = Limiter::new(LOGIN_RATE);
            let limited = limiter.check(tx, &client, now_ms)?.is_err()
                | limiter.check(tx, &account, now_ms)?.is_err();
            Ok((limited, accounts::for_login(tx, &lookup)?))
        })
        .await?;
    if limited {
        tracing::warn!(email, "console sign-in rate limit hit");
        return Err(Refusal::TooMany(lang));
    }
    // Verified even for an unknown email, against a decoy: the answer
    // takes as long either way.
    let hash = found.as_ref().map_or_else(
        || accounts::decoy_hash().to_owned(),
        |(_, hash)| hash.clone(),
    );
    let matches = tokio::task::spawn_blocking(move || accounts::verify_password(&password, &hash))
        .await
        .map_err(crate::Error::from)?;
    let Some((operator, _)) = found.filter(|_| matches) else {
        tracing::info!(email, "console sign-in refused");
        return Ok(login_form(
            lang,
            Some(super::words::words(lang).login_failed),
            email,
            StatusCode::UNAUTHORIZED,
        ));
    };
    let (token, _csrf) = market
        .run(move |tx| accounts::open_session(tx, &operator, now_ms))
        .await?;
    Ok(redirect_with(
        "/admin/queue",
        &[
            set_cookie(SESSION_COOKIE, &token, accounts::SESSION_MS / 1000),
            set_cookie(LOGIN_COOKIE, "", 0),
        ],
    ))
}

pub(super) async fn logout(
    State(market): State<Market>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    session.check_form(&Form::parse(&body))?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        market
            .run(move |tx| accounts::close_session(tx, &token))
            .await?;
    }
    Ok(redirect_with(
        "/admin/login",
        &[set_cookie(SESSION_COOKIE, "", 0)],
    ))
}

#[derive(Template)]
#[template(path = "admin/setup.html")]
struct SetupHtml {
    chrome: Chrome,
    email: String,
    error: Option<&'static str>,
}

pub(super) async fn setup_page(
    State(market): State<Market>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
) -> Result<Response, Refusal> {
    if let Some(switched) = lang_switch(query.lang.as_deref(), &format!("/admin/setup/{token}")) {
        return Ok(switched);
    }
    let lang = lang_of(&headers);
    let now_ms = market.now_ms();
    let found = market
        .read(move |tx| accounts::by_setup_token(tx, &token, now_ms))
        .await?;
    Ok(match found {
        Some(operator) => html(
            StatusCode::OK,
            &SetupHtml {
                chrome: Chrome::anonymous(lang),
                email: operator.email,
                error: None,
            },
            &[],
        ),
        None => message(lang, StatusCode::NOT_FOUND, |w| w.setup_invalid),
    })
}

pub(super) async fn setup(
    State(market): State<Market>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let lang = lang_of(&headers);
    let w = super::words::words(lang);
    let form = Form::parse(&body);
    let password = form.get("password").unwrap_or("").to_owned();
    let error = if password != form.get("again").unwrap_or("") {
        Some(w.passwords_differ)
    } else if password.chars().count() < accounts::MIN_PASSWORD_CHARS {
        Some(w.password_short)
    } else {
        None
    };
    let now_ms = market.now_ms();
    if let Some(error) = error {
        let lookup = token.clone();
        let Some(operator) = market
            .read(move |tx| accounts::by_setup_token(tx, &lookup, now_ms))
            .await?
        else {
            return Ok(message(lang, StatusCode::NOT_FOUND, |w| w.setup_invalid));
        };
        return Ok(html(
            StatusCode::BAD_REQUEST,
            &SetupHtml {
                chrome: Chrome::anonymous(lang),
                email: operator.email,
                error: Some(error),
            },
            &[],
        ));
    }
    let hash = tokio::task::spawn_blocking(move || accounts::hash_password(&password))
        .await
        .map_err(crate::Error::from)??;
    let session = market
        .run(move |tx| {
            let Some(operator) = accounts::finish_setup(tx, &token, &hash, now_ms)? else {
                return Ok(None);
            };
            accounts::open_session(tx, &operator, now_ms).map(Some)
        })
        .await?;
    Ok(match session {
        Some((cookie_token, _)) => redirect_with(
            "/admin/queue",
            &[set_cookie(
                SESSION_COOKIE,
                &cookie_token,
                accounts::SESSION_MS / 1000,
            )],
        ),
        None => message(lang, StatusCode::NOT_FOUND, |w| w.setup_invalid),
    })
}

fn message(lang: Lang, status: StatusCode, text: fn(&super::Words) -> &'static str) -> Response {
    let page = MessageHtml {
        chrome: Chrome::anonymous(lang),
        message: text(super::words::words(lang)).to_owned(),
        link: None,
    };
    html(status, &page, &[])
}

struct CoopRow {
    slug: String,
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
    let coops = market
        .read(|tx| {
            let mut coops = tx
                .query(
                    "SELECT c.id, c.slug, c.name, c.created_at,
                        (SELECT COUNT(*) FROM listings l WHERE l.cooperative_id = c.id AND l.deleted = 0)
                     FROM cooperatives c ORDER BY c.slug",
                    &[],
                )?
                .iter()
                .map(|row| {
                    Ok((
                        row.get::<String>(0)?,
                        CoopRow {
                            slug: row.get(1)?,
                            name: row.get(2)?,
                            since: when(row.get(3)?),
                            listings: row.get(4)?,
                            devices: Vec::new(),
                        },
                    ))
                })
                .collect::<crate::Result<Vec<_>>>()?;
            for (id, coop) in &mut coops {
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
