//! `POST /v1/enroll`: a one-time code becomes a device token.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::State;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::routing::post;
use protocol::{EnrollRequest, EnrollResponse};
use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::{Market, auth, cooperative, enrollment_code, rate_limit};

const MAX_DEVICE_NAME_CHARS: usize = 100;

const REFUSED: &str =
    "this enrollment code is wrong, used or expired — ask the marketplace for a new one";

/// The peer's address when the server runs with `ConnectInfo`
/// (`into_make_service_with_connect_info`); `None` otherwise, e.g. under
/// `Router::oneshot`.
pub(crate) struct Peer(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Peer, Self::Rejection> {
        let info = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Peer(info.map(|ConnectInfo(addr)| addr.ip())))
    }
}

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/enroll", post(enroll))
}

async fn enroll(
    State(market): State<Market>,
    Peer(peer): Peer,
    headers: HeaderMap,
    AppJson(request): AppJson<EnrollRequest>,
) -> Result<AppJson<EnrollResponse>, AppError> {
    // Counted before anything else: a guesser pays for wrong codes too.
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let ip = rate_limit::client_ip(peer, forwarded, &market.config().trusted_proxies);
    let key = rate_limit::client_key(ip);
    let now_ms = market.now_ms();
    let limiters = market.clone();
    let limited = key.clone();
    market
        .run(move |tx| {
            let [client, global] = limiters.enroll_limiters();
            if let Err(wait) = client.check(tx, &limited, now_ms)? {
                return Ok(Err(wait));
            }
            global.check(tx, "enroll global", now_ms)
        })
        .await?
        .map_err(|retry_after_s| {
            tracing::warn!(client = %key, "enrollment rate limit hit");
            AppError::TooManyRequests { retry_after_s }
        })?;
    let device_name = clean_device_name(&request.device_name);
    if device_name.is_empty() || device_name.chars().count() > MAX_DEVICE_NAME_CHARS {
        return Err(AppError::BadRequest(format!(
            "the device name must have 1 to {MAX_DEVICE_NAME_CHARS} characters"
        )));
    }
    let code = enrollment_code::normalize(&request.code).ok_or(AppError::Unauthorized(REFUSED))?;
    let device_key = request.device_key;
    let now_ms = market.now_ms();
    let enrolled = market
        .run(move |tx| redeem(tx, &code, &device_name, device_key, now_ms))
        .await?;
    let response = enrolled.ok_or(AppError::Unauthorized(REFUSED))?;
    tracing::info!(
        device_id = %response.device_id,
        cooperative = %response.cooperative.slug,
        "device enrolled"
    );
    Ok(AppJson(response))
}

/// How long a used code is answered again for the device that used it
/// (the same `device_key`): the first answer may have been lost on the way.
pub(crate) const RETRY_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Refused attempts after which a code is dead, even for its first use: it
/// leaked, and the operator should hand out another.
pub(crate) const MAX_CODE_FAILURES: i64 = 5;

/// A device name as an operator's terminal will show it: control
/// characters (escape sequences, newlines) and the invisible marks that
/// reorder text (bidi overrides and isolates) dropped, spaces trimmed.
pub(crate) fn clean_device_name(name: &str) -> String {
    let is_bidi_control = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    name.chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Uses up `code` (canonical form) and registers a device with a fresh
/// token, in one transaction. `None` if the code is wrong, used or expired.
///
/// A device that sends a `device_key`: enrolling revokes every earlier
/// token of that key (the laptop forgets them), and the same code with the
/// same key within [`RETRY_WINDOW_MS`] of its use answers again for the
/// same device with a fresh token, the previous one revoked.
fn redeem(
    tx: &mut Tx<'_>,
    code: &str,
    device_name: &str,
    device_key: Option<Uuid>,
    now_ms: i64,
) -> Result<Option<EnrollResponse>> {
    let code_hash = enrollment_code::hash(code);
    let key_hash = device_key.map(|key| auth::token_hash(&key.to_string()));
    let found = tx.query_opt(
        "SELECT c.id, c.slug, c.name, e.used_at, e.expires_at, e.device_id, e.device_key_hash,
                e.failures
         FROM enrollment_codes e JOIN cooperatives c ON c.id = e.cooperative_id
         WHERE e.code_hash = ?1",
        args![&code_hash],
    )?;
    let Some(found) = found else {
        return Ok(None);
    };
    let cooperative = cooperative::from_row(&found, 0)?;
    let used_at: Option<i64> = found.get(3)?;
    let expires_at: i64 = found.get(4)?;
    let used_by: Option<Uuid> = found.get(5)?;
    let used_with: Option<String> = found.get(6)?;
    let failures: i64 = found.get(7)?;
    let token = auth::new_token();
    let live = failures < MAX_CODE_FAILURES;
    match (used_at, used_by) {
        (None, _) if live && expires_at > now_ms => {
            let device_id = Uuid::now_v7();
            if let Some(key_hash) = &key_hash {
                // The laptop enrolls again: the token it had is forgotten.
                tx.execute(
                    "UPDATE devices SET revoked_at = ?1
                     WHERE device_key_hash = ?2 AND revoked_at IS NULL",
                    args![now_ms, key_hash],
                )?;
            }
            tx.execute(
                "UPDATE enrollment_codes SET used_at = ?1, device_id = ?2, device_key_hash = ?3
                 WHERE code_hash = ?4",
                args![now_ms, &device_id.to_string(), &key_hash, &code_hash],
            )?;
            tx.execute(
                "INSERT INTO devices
                     (id, cooperative_id, name, token_hash, created_at, device_key_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![
                    &device_id.to_string(),
                    &cooperative.id.to_string(),
                    device_name,
                    &auth::token_hash(&token),
                    now_ms,
                    &key_hash
                ],
            )?;
            Ok(Some(EnrollResponse {
                token,
                device_id,
                cooperative,
            }))
        }
        (Some(used_at), Some(device_id))
            if live
                && key_hash.is_some()
                && used_with == key_hash
                && now_ms - used_at <= RETRY_WINDOW_MS =>
        {
            // The same laptop asking again: its answer was lost. A fresh
            // token replaces the one it never received.
            let rotated = tx.execute(
                "UPDATE devices SET token_hash = ?1, name = ?2
                 WHERE id = ?3 AND revoked_at IS NULL",
                args![
                    &auth::token_hash(&token),
                    device_name,
                    &device_id.to_string()
                ],
            )?;
            Ok((rotated == 1).then_some(EnrollResponse {
                token,
                device_id,
                cooperative,
            }))
        }
        _ => {
            tx.execute(
                "UPDATE enrollment_codes SET failures = failures + 1 WHERE code_hash = ?1",
                args![&code_hash],
            )?;
            Ok(None)
        }
    }
}
