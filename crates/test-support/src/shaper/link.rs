//! One direction of the shaped link: a token bucket shared by every
//! connection, so parallel connections together get no more than the link
//! carries, and the stalls that silence the whole link.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Bytes the bucket holds when the link was idle: what may pass at once.
const BUCKET_BYTES: f64 = 16.0 * 1024.0;

pub(crate) struct Pipe {
    /// Bytes per second; `None`: as fast as loopback.
    rate: Option<f64>,
    /// When the bucket is next empty of the bytes already granted (a
    /// virtual clock: the bucket refills at `rate`).
    next_free: Mutex<Instant>,
}

impl Pipe {
    pub(crate) fn new(rate: Option<u64>) -> Pipe {
        Pipe {
            rate: rate.map(|r| r.max(1) as f64),
            next_free: Mutex::new(Instant::now()),
        }
    }

    pub(crate) fn limited(&self) -> bool {
        self.rate.is_some()
    }

    /// Grants `n` bytes: returns when their last byte has left (at the
    /// earliest now). Nothing leaves before `not_before` (a stall's end).
    pub(crate) fn reserve(&self, n: usize, not_before: Option<Instant>) -> Instant {
        let now = Instant::now();
        let mut next_free = self.next_free.lock().unwrap_or_else(|p| p.into_inner());
        let Some(rate) = self.rate else {
            return not_before.map_or(now, |t| t.max(now));
        };
        // A full bucket lets BUCKET_BYTES through at once; a busy link
        // queues behind what it already granted.
        let earliest = now
            .checked_sub(Duration::from_secs_f64(BUCKET_BYTES / rate))
            .unwrap_or(now);
        let mut start = (*next_free).max(earliest);
        if let Some(t) = not_before {
            start = start.max(t);
        }
        let end = start + Duration::from_secs_f64(n as f64 / rate);
        *next_free = end;
        end.max(now)
    }
}

/// The link's silences: intervals during which no byte moves either way.
#[derive(Default)]
pub(crate) struct Silences {
    intervals: Mutex<Vec<(Instant, Instant)>>,
}

impl Silences {
    pub(crate) fn add(&self, from: Instant, length: Duration) {
        self.intervals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((from, from + length));
    }

    /// The end of the silence going on at `at`, if one is.
    pub(crate) fn until(&self, at: Instant) -> Option<Instant> {
        self.intervals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(from, to)| *from <= at && at < *to)
            .map(|(_, to)| *to)
            .max()
    }

    /// Time the link was silent between `from` and `to`.
    pub(crate) fn total(&self, from: Instant, to: Instant) -> Duration {
        self.intervals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(a, b)| {
                let (a, b) = ((*a).max(from), (*b).min(to));
                b.saturating_duration_since(a)
            })
            .sum()
    }
}
