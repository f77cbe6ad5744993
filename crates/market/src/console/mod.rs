//! The operators' console, `/admin`, in the browser: sign-in, the
//! moderation queue (waiting, reported, rejected) with previews and bulk
//! decisions, cooperatives and their devices and enrollment codes,
//! operators, and the audit log. Arabic (right to left), French, English.
//!
//! Plain server-rendered HTML forms (askama), no script: it works on a
//! phone, the CSP forbids every script, and each form carries the session's
//! CSRF token besides the SameSite=Strict cookie. Roles are checked on the
//! server for every action (a moderator's forged request to an admin
//! action is refused like a link they cannot see).

mod accounts;
mod manage;
mod moderate;
mod signin;
mod trust;
mod words;

pub use accounts::{OperatorInfo, Role, add_operator, disable_operator, list_operators};

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{
    ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HOST, LOCATION, ORIGIN,
    REFERRER_POLICY, SET_COOKIE, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::lang::Lang;
use crate::{Market, error::Error};
use accounts::Operator;
use words::Words;

/// The session cookie. Not `__Host-`: that prefix needs HTTPS, and a
/// marketplace on a LAN may serve plain HTTP behind no proxy; `Secure` is
/// set anyway (browsers keep it on `localhost`).
const SESSION_COOKIE: &str = "hanout_admin";
/// The console's language, once chosen with `?lang=`.
const LANG_COOKIE: &str = "hanout_admin_lang";
/// The sign-in form's own CSRF token (there is no session yet): the same
/// random value in a cookie and in the form.
const LOGIN_COOKIE: &str = "hanout_admin_login";

pub(crate) fn router() -> Router<Market> {
    Router::new()
        .route("/admin", get(|| async { redirect("/admin/queue") }))
        .route("/admin/", get(|| async { redirect("/admin/queue") }))
        .route("/admin/login", get(signin::login_page).post(signin::login))
        .route("/admin/logout", post(signin::logout))
        .route(
            "/admin/setup/{token}",
            get(signin::setup_page).post(signin::setup),
        )
        .merge(moderate::router())
        .merge(trust::router())
        .merge(manage::router())
}

/// What every console page shows around its content.
pub(crate) struct Chrome {
    pub lang: &'static str,
    pub dir: &'static str,
    pub w: &'static Words,
    /// Signed in as; `None` on the sign-in and setup pages.
    pub email: Option<String>,
    pub is_admin: bool,
    pub csrf: String,
    /// Which tab of the navigation is current.
    pub section: &'static str,
}

impl Chrome {
    fn anonymous(lang: Lang) -> Chrome {
        Chrome {
            lang: lang.code(),
            dir: lang.dir(),
            w: words::words(lang),
            email: None,
            is_admin: false,
            csrf: String::new(),
            section: "",
        }
    }
}

/// A signed-in operator, from the session cookie; pages that need one take
/// it as an argument, and anyone without a live session is sent to the
/// sign-in page.
pub(crate) struct Session {
    pub operator: Operator,
    pub csrf: String,
    pub lang: Lang,
    /// The `Origin` of the request, if the browser sent one, and the host
    /// it should name.
    origin: Option<(String, String)>,
}

impl Session {
    pub(crate) fn chrome(&self, section: &'static str) -> Chrome {
        Chrome {
            lang: self.lang.code(),
            dir: self.lang.dir(),
            w: words::words(self.lang),
            email: Some(self.operator.email.clone()),
            is_admin: self.operator.role == Role::Admin,
            csrf: self.csrf.clone(),
            section,
        }
    }

    /// Refuses a form that does not carry this session's CSRF token, or
    /// that a page of another site sent.
    pub(crate) fn check_form(&self, form: &Form) -> Result<(), Refusal> {
        let token = form.get("csrf").unwrap_or_default();
        let same_token = constant_time_eq(token.as_bytes(), self.csrf.as_bytes());
        let same_origin = self.origin.as_ref().is_none_or(|(origin, host)| {
            origin
                .split_once("://")
                .is_some_and(|(_, origin_host)| origin_host == host)
        });
        if same_token && same_origin {
            Ok(())
        } else {
            tracing::warn!(operator = %self.operator.email, "console form refused: CSRF");
            Err(Refusal::Forged(self.lang))
        }
    }

    pub(crate) fn require_admin(&self) -> Result<(), Refusal> {
        if self.operator.role == Role::Admin {
            Ok(())
        } else {
            tracing::warn!(operator = %self.operator.email, "admin action refused to a moderator");
            Err(Refusal::Forbidden(self.lang))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<Market> for Session {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, market: &Market) -> Result<Session, Refusal> {
        let lang = lang_of(&parts.headers);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Refusal::SignIn);
        };
        let now_ms = market.now_ms();
        let found = market
            .read(move |tx| accounts::session(tx, &token, now_ms))
            .await
            .map_err(Refusal::Internal)?;
        let Some((operator, csrf)) = found else {
            return Err(Refusal::SignIn);
        };
        let origin = parts
            .headers
            .get(ORIGIN)
            .and_then(|v| v.to_str().ok())
            .zip(parts.headers.get(HOST).and_then(|v| v.to_str().ok()))
            .map(|(o, h)| (o.to_owned(), h.to_owned()));
        Ok(Session {
            operator,
            csrf,
            lang,
            origin,
        })
    }
}

/// Why the console did not do what was asked.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// No live session: go sign in.
    SignIn,
    /// A moderator asked for an admin action.
    Forbidden(Lang),
    /// A form without this session's CSRF token.
    Forged(Lang),
    TooMany(Lang),
    NotFound(Lang),
    Internal(Error),
}

impl From<Error> for Refusal {
    fn from(err: Error) -> Refusal {
        Refusal::Internal(err)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, lang, text): (_, _, fn(&Words) -> &'static str) = match self {
            Refusal::SignIn => return redirect("/admin/login"),
            Refusal::Forbidden(lang) => (StatusCode::FORBIDDEN, lang, |w| w.forbidden),
            Refusal::Forged(lang) => (StatusCode::FORBIDDEN, lang, |w| w.forged),
            Refusal::TooMany(lang) => (StatusCode::TOO_MANY_REQUESTS, lang, |w| w.too_many),
            Refusal::NotFound(lang) => (StatusCode::NOT_FOUND, lang, |w| w.nothing_here),
            Refusal::Internal(err) => {
                tracing::error!(error = %err, "console");
                return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
            }
        };
        let page = MessageHtml {
            chrome: Chrome::anonymous(lang),
            message: text(words::words(lang)).to_owned(),
            link: None,
        };
        html(status, &page, &[])
    }
}

#[derive(Template)]
#[template(path = "admin/message.html")]
pub(crate) struct MessageHtml {
    pub chrome: Chrome,
    pub message: String,
    /// Something to copy (a setup link, an enrollment code).
    pub link: Option<String>,
}

/// No script, nothing from elsewhere, no framing; forms post here only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A console page: never cached, never framed.
pub(crate) fn html(status: StatusCode, page: &impl Template, cookies: &[String]) -> Response {
    let body = match page.render() {
        Ok(body) => body,
        Err(err) => return Refusal::Internal(err.into()).into_response(),
    };
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

/// `303 See Other` to `to` (after a form, the browser GETs it).
pub(crate) fn redirect(to: &str) -> Response {
    redirect_with(to, &[])
}

pub(crate) fn redirect_with(to: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(to) {
        headers.insert(LOCATION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

/// A console cookie: HttpOnly, Secure, SameSite=Strict, for `/admin` only.
pub(crate) fn set_cookie(name: &str, value: &str, max_age_s: i64) -> String {
    format!("{name}={value}; Path=/admin; Max-Age={max_age_s}; HttpOnly; Secure; SameSite=Strict")
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The console's language: the cookie `?lang=` set, else
/// `Accept-Language`, else French.
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Lang::negotiate(cookie(headers, LANG_COOKIE).as_deref(), accept)
}

/// `?lang=xx` on any console page: remember it, and show the page again
/// without it.
pub(crate) fn lang_switch(lang: Option<&str>, back_to: &str) -> Option<Response> {
    let lang = Lang::from_tag(lang?)?;
    let cookie = set_cookie(LANG_COOKIE, lang.code(), 365 * 24 * 3600);
    Some(redirect_with(back_to, &[cookie]))
}

/// An `application/x-www-form-urlencoded` body, keeping repeated fields
/// (the queue's check boxes) that `axum::Form` into a struct would not.
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `2026-12-07 08:15` (UTC) for tables.
pub(crate) fn when(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000).map_or_else(
        |_| ms.to_string(),
        |t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_repeated_fields() {
        let form = Form::parse(b"csrf=abc&id=1&id=2&note=caf%C3%A9+ok");
        assert_eq!(form.get("csrf"), Some("abc"));
        assert_eq!(form.all("id").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(form.get("note"), Some("café ok"));
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; hanout_admin=tok; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&headers, "hanout"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn dates_read_as_utc() {
        assert_eq!(when(1_772_323_200_000), "2026-03-01 00:00");
    }
}
