//! `POST /v1/enroll`: a one-time code becomes a device token.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::State;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::post;
use protocol::{EnrollRequest, EnrollResponse};
use uuid::Uuid;

use crate::db::{Tx, args};
use crate::error::{AppError, Result};
use crate::json::AppJson;
use crate::{Market, auth, cooperative, enrollment_code};

const MAX_DEVICE_NAME_CHARS: usize = 100;

const REFUSED: &str =
    "this enrollment code is wrong, used or expired — ask the marketplace for a new one";

/// The peer's IP when the server runs with `ConnectInfo`
/// (`into_make_service_with_connect_info`); `None` otherwise, e.g. under
/// `Router::oneshot` — those requests share one rate-limit bucket.
struct ClientIp(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientIp, Self::Rejection> {
        let info = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientIp(info.map(|ConnectInfo(addr)| addr.ip())))
    }
}

pub(crate) fn router() -> Router<Market> {
    Router::new().route("/enroll", post(enroll))
}

async fn enroll(
    State(market): State<Market>,
    ClientIp(ip): ClientIp,
    AppJson(request): AppJson<EnrollRequest>,
) -> Result<AppJson<EnrollResponse>, AppError> {
    // Counted before anything else: a guesser pays for wrong codes too.
    let now_ms = market.now_ms();
    let limiter = market.clone();
    market
        .run(move |tx| limiter.enroll_limiter().check(tx, ip, now_ms))
        .await?
        .map_err(|retry_after_s| {
            tracing::warn!(?ip, "enrollment rate limit hit");
            AppError::TooManyRequests { retry_after_s }
        })?;
    let device_name = request.device_name.trim().to_owned();
    if device_name.is_empty() || device_name.chars().count() > MAX_DEVICE_NAME_CHARS {
        return Err(AppError::BadRequest(format!(
            "the device name must have 1 to {MAX_DEVICE_NAME_CHARS} characters"
        )));
    }
    let code = enrollment_code::normalize(&request.code).ok_or(AppError::Unauthorized(REFUSED))?;
    let now_ms = market.now_ms();
    let enrolled = market
        .run(move |tx| redeem(tx, &code, &device_name, now_ms))
        .await?;
    let response = enrolled.ok_or(AppError::Unauthorized(REFUSED))?;
    tracing::info!(
        device_id = %response.device_id,
        cooperative = %response.cooperative.slug,
        "device enrolled"
    );
    Ok(AppJson(response))
}

/// Uses up `code` (canonical form) and registers a device with a fresh
/// token, in one transaction. `None` if the code is wrong, used or expired.
fn redeem(
    tx: &mut Tx<'_>,
    code: &str,
    device_name: &str,
    now_ms: i64,
) -> Result<Option<EnrollResponse>> {
    let code_hash = enrollment_code::hash(code);
    let cooperative = tx.query_opt(
        "SELECT c.id, c.slug, c.name
         FROM enrollment_codes e JOIN cooperatives c ON c.id = e.cooperative_id
         WHERE e.code_hash = ?1 AND e.used_at IS NULL AND e.expires_at > ?2",
        args![&code_hash, now_ms],
    )?;
    let Some(cooperative) = cooperative else {
        return Ok(None);
    };
    let cooperative = cooperative::from_row(&cooperative, 0)?;
    tx.execute(
        "UPDATE enrollment_codes SET used_at = ?1 WHERE code_hash = ?2",
        args![now_ms, &code_hash],
    )?;
    let token = auth::new_token();
    let device_id = Uuid::now_v7();
    tx.execute(
        "INSERT INTO devices (id, cooperative_id, name, token_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![
            &device_id.to_string(),
            &cooperative.id.to_string(),
            device_name,
            &auth::token_hash(&token),
            now_ms
        ],
    )?;
    Ok(Some(EnrollResponse {
        token,
        device_id,
        cooperative,
    }))
}
