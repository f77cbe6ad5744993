//! Device tokens: minted at enrollment, presented as `Authorization: Bearer`.
//! The database keeps only their SHA-256.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Market;
use crate::db::args;
use crate::error::AppError;

/// A fresh 256-bit token, hex.
pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The enrolled, unrevoked device that sent the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Device {
    pub id: Uuid,
    pub cooperative_id: Uuid,
}

impl FromRequestParts<Market> for Device {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, market: &Market) -> Result<Device, AppError> {
        let token = bearer_token(&parts.headers).ok_or(AppError::Unauthorized(
            "this request needs `Authorization: Bearer <device token>` — enroll the device first",
        ))?;
        device(market, token).await?.ok_or(AppError::Unauthorized(
            "this device token is unknown or was revoked — enroll the device again",
        ))
    }
}

/// The device whose token `headers` carry, if any and if it is enrolled
/// and unrevoked (for routes that anyone may call, where a device sees
/// more).
pub(crate) async fn optional_device(
    headers: &HeaderMap,
    market: &Market,
) -> Result<Option<Device>, AppError> {
    match bearer_token(headers) {
        Some(token) => device(market, token).await,
        None => Ok(None),
    }
}

async fn device(market: &Market, token: &str) -> Result<Option<Device>, AppError> {
    let hash = token_hash(token);
    let device = market
        .read(move |tx| {
            tx.query_opt(
                "SELECT id, cooperative_id FROM devices
                     WHERE token_hash = ?1 AND revoked_at IS NULL",
                args![&hash],
            )?
            .map(|row| {
                Ok(Device {
                    id: row.get(0)?,
                    cooperative_id: row.get(1)?,
                })
            })
            .transpose()
        })
        .await?;
    Ok(device)
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(protocol::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
