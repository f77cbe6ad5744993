//! The public pages' forms: `POST /c/{slug}/contact` (a message to a
//! cooperative, kept for the operators to pass on) and `POST /l/{id}/report`
//! (into the operators' queue). Each is rate-limited per client (its own
//! bucket, `Config::form_rate`), bounded in size, and carries a honeypot
//! field people never see: a form that fills it is answered as if sent and
//! kept nowhere. Answers are translated pages, never cached. Also the one
//! script of the pages, `/static/share.js`.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::trust_words::trust_words;
use super::{Chrome, PageQuery, href, html_cached, negotiate, not_found};
use crate::error::AppError;
use crate::lang::Lang;
use crate::rate_limit::{self, Limiter, Peer};
use crate::trust::{self, ReportReason};
use crate::{Market, catalog, cooperative};

/// Largest form body taken (the fields' limits, in UTF-8, with room).
const MAX_FORM_BYTES: usize = 32 * 1024;

const SHARE_JS: &str = include_str!("../../static/share.js");

pub(super) fn router() -> Router<Market> {
    Router::new()
        .route(
            "/c/{slug}/contact",
            post(contact).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route(
            "/l/{id}/report",
            post(report).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/static/share.js", get(share_js))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ContactForm {
    name: String,
    reply_to: String,
    message: String,
    /// The listing the message is about, if sent from its link.
    listing: Option<String>,
    /// The honeypot.
    website: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportForm {
    reason: String,
    details: String,
    /// The honeypot.
    website: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticeHtml {
    chrome: Chrome,
    heading: &'static str,
    text: &'static str,
    /// After `text`: how long to wait.
    wait: Option<String>,
    back_href: String,
}

/// A form's answer page: `heading`, `text`, a link back to `back`.
fn notice(
    status: StatusCode,
    lang: Lang,
    back: &str,
    heading: &'static str,
    text: &'static str,
) -> Result<Response, AppError> {
    html_cached(
        status,
        &NoticeHtml {
            chrome: Chrome::new(lang, back, &[]),
            heading,
            text,
            wait: None,
            back_href: href(back, &[], lang),
        },
        "no-store",
    )
}

/// 429 with `Retry-After`, in the visitor's language.
fn too_many(lang: Lang, back: &str, retry_after_s: u64) -> Result<Response, AppError> {
    let w = trust_words(lang);
    let minutes = retry_after_s.div_ceil(60).max(1);
    let mut response = html_cached(
        StatusCode::TOO_MANY_REQUESTS,
        &NoticeHtml {
            chrome: Chrome::new(lang, back, &[]),
            heading: w.too_many,
            text: w.too_many_text,
            wait: Some(format!("{minutes} min")),
            back_href: href(back, &[], lang),
        },
        "no-store",
    )?;
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(retry_after_s));
    Ok(response)
}

/// Takes a token of the client's bucket for `form`, or the seconds to wait.
async fn limited(
    market: &Market,
    form: &str,
    peer: Option<std::net::IpAddr>,
    headers: &HeaderMap,
) -> Result<Result<(), u64>, AppError> {
    let key = format!(
        "{form} {}",
        rate_limit::client_key_of(market, peer, headers)
    );
    let limiter = Limiter::new(market.config().form_rate);
    let now_ms = market.now_ms();
    let verdict = market
        .run(move |tx| limiter.check(tx, &key, now_ms))
        .await?;
    if verdict.is_err() {
        tracing::warn!(form, "form rate limit hit");
    }
    Ok(verdict)
}

async fn contact(
    State(market): State<Market>,
    Path(slug): Path<String>,
    Peer(peer): Peer,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
    form: Result<Form<ContactForm>, FormRejection>,
) -> Result<Response, AppError> {
    let (lang, _) = negotiate(query, &headers);
    let w = trust_words(lang);
    let lookup = slug.clone();
    let Some(coop) = market
        .read(move |tx| cooperative::by_slug(tx, &lookup))
        .await?
    else {
        return not_found(lang);
    };
    let back = format!("/c/{}", coop.slug);
    if let Err(wait) = limited(&market, "contact", peer, &headers).await? {
        return too_many(lang, &back, wait);
    }
    let Ok(Form(form)) = form else {
        return notice(
            StatusCode::BAD_REQUEST,
            lang,
            &back,
            w.invalid,
            w.invalid_text,
        );
    };
    if !form.website.is_empty() {
        tracing::info!(cooperative = %coop.slug, "contact form honeypot filled: dropped");
        return notice(StatusCode::OK, lang, &back, w.sent, w.sent_text);
    }
    if trust::message_problem(&form.name, &form.reply_to, &form.message).is_some() {
        return notice(
            StatusCode::BAD_REQUEST,
            lang,
            &back,
            w.invalid,
            w.invalid_text,
        );
    }
    let listing = form
        .listing
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok());
    let now_ms = market.now_ms();
    let coop_id = coop.id;
    market
        .run(move |tx| {
            // Only a public listing of this cooperative is kept as the subject.
            let listing = match listing {
                Some(id) => catalog::by_id(tx, id)?
                    .filter(|l| l.cooperative.id == coop_id)
                    .map(|l| l.id),
                None => None,
            };
            trust::add_message(
                tx,
                coop_id,
                listing,
                &form.name,
                &form.reply_to,
                &form.message,
                now_ms,
            )
        })
        .await?;
    tracing::info!(cooperative = %coop.slug, "contact message kept");
    notice(StatusCode::OK, lang, &back, w.sent, w.sent_text)
}

async fn report(
    State(market): State<Market>,
    Path(id): Path<String>,
    Peer(peer): Peer,
    query: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
    form: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, AppError> {
    let (lang, _) = negotiate(query, &headers);
    let w = trust_words(lang);
    let Ok(listing_id) = Uuid::parse_str(&id) else {
        return not_found(lang);
    };
    if market
        .read(move |tx| catalog::by_id(tx, listing_id))
        .await?
        .is_none()
    {
        return not_found(lang);
    }
    let back = format!("/l/{listing_id}");
    if let Err(wait) = limited(&market, "report", peer, &headers).await? {
        return too_many(lang, &back, wait);
    }
    let Ok(Form(form)) = form else {
        return notice(
            StatusCode::BAD_REQUEST,
            lang,
            &back,
            w.invalid,
            w.invalid_text,
        );
    };
    if !form.website.is_empty() {
        tracing::info!(%listing_id, "report form honeypot filled: dropped");
        return notice(StatusCode::OK, lang, &back, w.reported, w.reported_text);
    }
    let Some(reason) = ReportReason::parse(&form.reason) else {
        return notice(
            StatusCode::BAD_REQUEST,
            lang,
            &back,
            w.invalid,
            w.invalid_text,
        );
    };
    if form.details.chars().count() > trust::MAX_DETAILS_CHARS {
        return notice(
            StatusCode::BAD_REQUEST,
            lang,
            &back,
            w.invalid,
            w.invalid_text,
        );
    }
    let now_ms = market.now_ms();
    market
        .run(move |tx| trust::add_report(tx, listing_id, reason, Some(&form.details), now_ms))
        .await?;
    tracing::info!(%listing_id, reason = reason.key(), "listing reported");
    notice(StatusCode::OK, lang, &back, w.reported, w.reported_text)
}

async fn share_js() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SHARE_JS,
    )
        .into_response()
}
