//! A token bucket per client IP, for `POST /v1/enroll` and the public
//! pages' forms (contact, report).
//!
//! Hand-rolled rather than `tower_governor`: that layer answers in its own
//! plain-text format and fails every request that lacks `ConnectInfo` (as
//! under `Router::oneshot` in tests), while this one reads the server's
//! injected [`Clock`](crate::Clock) — tests move time instead of sleeping —
//! and answers with the API's `ErrorBody`. A few lines over a `HashMap`.
//!
//! The buckets live in the database (`rate_buckets`), so several servers
//! behind a load balancer share one limit. A client is its IPv4 address or
//! its IPv6 /64 (one household or one server gets a whole /64, so keying
//! by exact IPv6 address lets anyone go around the limit); behind a
//! reverse proxy, the address `X-Forwarded-For` gives — only when the
//! proxy is listed as trusted (`--trusted-proxy`), never by default, since
//! anyone can send that header. Over all clients, a global ceiling.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::Market;
use crate::db::{Tx, args};
use crate::error::Result;

/// `burst` attempts at once, then one more every `refill_every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill_every: Duration,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: u32,
    /// When `tokens` was last topped up, ms since the epoch.
    refilled_at_ms: i64,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Limiter {
        Limiter { limit }
    }

    /// Takes a token for `key`, or says in how many seconds one is due.
    /// Run it in a write transaction of its own: a refused attempt counts.
    pub(crate) fn check(&self, tx: &mut Tx<'_>, key: &str, now_ms: i64) -> Result<Result<(), u64>> {
        let refill_ms = i64::try_from(self.limit.refill_every.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let burst = self.limit.burst;
        // A bucket that has refilled completely is the same as none.
        let full_since = now_ms.saturating_sub(refill_ms.saturating_mul(i64::from(burst)));
        tx.execute(
            "DELETE FROM rate_buckets WHERE refilled_at <= ?1",
            args![full_since],
        )?;
        let stored = tx.query_opt(
            "SELECT tokens, refilled_at FROM rate_buckets WHERE key = ?1",
            args![key],
        )?;
        let bucket = match stored {
            Some(row) => Bucket {
                tokens: u32::try_from(row.get::<i64>(0)?).unwrap_or(0),
                refilled_at_ms: row.get(1)?,
            },
            None => Bucket {
                tokens: burst,
                refilled_at_ms: now_ms,
            },
        };
        let mut bucket = refilled(bucket, burst, refill_ms, now_ms);
        let verdict = if bucket.tokens > 0 {
            bucket.tokens -= 1;
            Ok(())
        } else {
            let wait_ms = (bucket.refilled_at_ms + refill_ms - now_ms).max(1);
            Err(u64::try_from(wait_ms).map_or(1, |ms| ms.div_ceil(1000)))
        };
        tx.execute(
            "INSERT INTO rate_buckets (key, tokens, refilled_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens,
                 refilled_at = excluded.refilled_at",
            args![key, i64::from(bucket.tokens), bucket.refilled_at_ms],
        )?;
        Ok(verdict)
    }
}

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

/// The bucket key of the client of a request: [`client_ip`] with the
/// market's trusted proxies, then [`client_key`].
pub(crate) fn client_key_of(market: &Market, peer: Option<IpAddr>, headers: &HeaderMap) -> String {
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    client_key(client_ip(peer, forwarded, &market.config().trusted_proxies))
}

/// The bucket key of a client: `ip 203.0.113.7`, `ip 2001:db8:1:2::/64`,
/// or `ip unknown` (no peer address, as under `Router::oneshot`: those
/// requests share one bucket). An IPv4 address mapped into IPv6 counts as
/// the IPv4 address. Pure.
pub(crate) fn client_key(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        None => "ip unknown".to_owned(),
        Some(IpAddr::V4(v4)) => format!("ip {v4}"),
        Some(IpAddr::V6(v6)) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("ip {}/64", Ipv6Addr::from(prefix))
        }
    }
}

/// The client's address: the peer's, or — when the peer is a trusted
/// proxy — the last address in `X-Forwarded-For` (all its headers, in
/// order) that is not itself a trusted proxy. Proxies append the address
/// they got the request from, so only the addresses after the last
/// untrusted one can be believed. Pure.
pub(crate) fn client_ip<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.contains(&ip.to_canonical());
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for entry in forwarded_for.rev() {
        for hop in entry.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !is_trusted(&ip) {
                        return Some(ip);
                    }
                }
                // Garbage: trust nothing to its left.
                Err(_) => return Some(client),
            }
        }
    }
    Some(client)
}

fn refilled(bucket: Bucket, burst: u32, refill_ms: i64, now_ms: i64) -> Bucket {
    let elapsed = (now_ms - bucket.refilled_at_ms).max(0);
    let earned = elapsed / refill_ms;
    let tokens = i64::from(bucket.tokens) + earned;
    if tokens >= i64::from(burst) {
        Bucket {
            tokens: burst,
            refilled_at_ms: now_ms,
        }
    } else {
        Bucket {
            tokens: u32::try_from(tokens).unwrap_or(burst),
            refilled_at_ms: bucket.refilled_at_ms + earned * refill_ms,
        }
    }
}
