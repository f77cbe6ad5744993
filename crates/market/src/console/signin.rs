//! Signing in and out, and setting up an account from its one-time link.

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::accounts;
use super::manage::LangQuery;
use super::{
    Chrome, Form, LOGIN_COOKIE, MessageHtml, Refusal, SESSION_COOKIE, Session, cookie, html,
    lang_of, lang_switch, redirect_with, set_cookie,
};
use crate::Market;
use crate::lang::Lang;
use crate::rate_limit::Peer;
use crate::rate_limit::{self, Limiter, RateLimit};

/// Five wrong passwords in a row, then one more try a minute — per client
/// address and per email (an attacker with many addresses still gets one
/// guess a minute at any one account).
const LOGIN_RATE: RateLimit = RateLimit {
    burst: 5,
    refill_every: Duration::from_secs(60),
};

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
