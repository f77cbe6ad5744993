//! A token bucket per client IP, for `POST /v1/enroll`.
//!
//! Hand-rolled rather than `tower_governor`: that layer answers in its own
//! plain-text format and fails every request that lacks `ConnectInfo` (as
//! under `Router::oneshot` in tests), while this one reads the server's
//! injected [`Clock`](crate::Clock) — tests move time instead of sleeping —
//! and answers with the API's `ErrorBody`. A few lines over a `HashMap`.
//!
//! The buckets live in this process's memory: several servers behind a load
//! balancer each allow the burst. That only loosens the limit, it loses
//! nothing. Behind a reverse proxy every client has the proxy's address, so
//! they share one bucket; forwarded headers are not trusted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// `burst` attempts at once, then one more every `refill_every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill_every: Duration,
}

/// Buckets kept before full ones are dropped (a full bucket is the same as
/// no bucket).
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    /// `None`: requests whose peer address is unknown share one bucket.
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: u32,
    /// When `tokens` was last topped up, ms since the epoch.
    refilled_at_ms: i64,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says in how many seconds one is due.
    pub(crate) fn check(&self, key: Option<IpAddr>, now_ms: i64) -> Result<(), u64> {
        let refill_ms = i64::try_from(self.limit.refill_every.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let burst = self.limit.burst;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| refilled(*b, burst, refill_ms, now_ms).tokens < burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            refilled_at_ms: now_ms,
        });
        *bucket = refilled(*bucket, burst, refill_ms, now_ms);
        if bucket.tokens > 0 {
            bucket.tokens -= 1;
            Ok(())
        } else {
            let wait_ms = (bucket.refilled_at_ms + refill_ms - now_ms).max(1);
            Err(u64::try_from(wait_ms).map_or(1, |ms| ms.div_ceil(1000)))
        }
    }
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
