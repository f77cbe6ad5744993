//! How fast the link carries photo bytes, measured as chunks are
//! acknowledged, and the chunk size that follows from it.
//!
//! Several uploads are in flight at once, so the bytes acknowledged per
//! second over the last few seconds are what the whole link carries. A
//! chunk is sized to about half a second of that: big enough that headers
//! are noise, small enough that a cut costs little (the marketplace keeps
//! the part of a chunk that arrived; other tus servers may not) and that a
//! stalled one is noticed.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Photo uploads in flight at once, over as many kept-alive connections:
/// while one waits a round trip for its answer, the others fill the link.
pub(crate) const UPLOADS_IN_FLIGHT: usize = 4;
/// Seconds of link time one chunk is sized to.
const CHUNK_SECONDS: f64 = 0.5;
/// Smallest chunk sized from the rate: below this, headers start to weigh.
pub(crate) const MIN_PACED_CHUNK: usize = 32 * 1024;
/// The first chunks, before anything is measured.
const FIRST_CHUNK: usize = 64 * 1024;
/// How far back the rate looks.
const WINDOW: Duration = Duration::from_secs(10);
/// Less measured time than this says nothing yet.
const MIN_SPAN: Duration = Duration::from_millis(500);

/// Acknowledged photo bytes over the last [`WINDOW`].
#[derive(Debug, Default)]
pub(crate) struct Pace {
    inner: Mutex<Samples>,
}

#[derive(Debug, Default)]
struct Samples {
    /// When the first chunk of this measure went out.
    started: Option<Instant>,
    acked: VecDeque<(Instant, u64)>,
    /// Bytes the server holds that it did not before, over the engine's
    /// life: acknowledged, or found there when an upload resumed.
    moved: u64,
}

impl Pace {
    /// A chunk went out at `at`.
    pub(crate) fn sending(&self, at: Instant) {
        let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        s.started.get_or_insert(at);
    }

    /// The server acknowledged `bytes` at `at`.
    pub(crate) fn acked(&self, at: Instant, bytes: u64) {
        let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        s.started.get_or_insert(at);
        s.moved += bytes;
        s.acked.push_back((at, bytes));
        while s
            .acked
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > WINDOW)
        {
            s.acked.pop_front();
        }
    }

    /// An upload resumed with `bytes` already on the server: they need
    /// not travel (they count as moved, not in the rate).
    pub(crate) fn found(&self, bytes: u64) {
        let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        s.moved += bytes;
    }

    /// See [`Samples::moved`].
    pub(crate) fn moved(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).moved
    }

    /// Bytes per second, once enough was measured.
    pub(crate) fn rate(&self, now: Instant) -> Option<f64> {
        let s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        rate(s.started?, s.acked.iter().copied(), now)
    }

    /// The next chunk's size, at most `max`.
    pub(crate) fn chunk(&self, now: Instant, max: usize) -> usize {
        chunk_for(self.rate(now), max)
    }
}

/// Bytes acknowledged per second over the window ending `now`. Pure.
pub(crate) fn rate(
    started: Instant,
    acked: impl Iterator<Item = (Instant, u64)>,
    now: Instant,
) -> Option<f64> {
    let from = started.max(now.checked_sub(WINDOW).unwrap_or(started));
    let span = now.saturating_duration_since(from);
    if span < MIN_SPAN {
        return None;
    }
    let recent: Vec<u64> = acked.filter(|(t, _)| *t > from).map(|(_, b)| b).collect();
    if recent.is_empty() {
        // Nothing went lately (between passes, or the link went silent):
        // no figure rather than zero.
        return None;
    }
    Some(recent.iter().sum::<u64>() as f64 / span.as_secs_f64())
}

/// Half a second of the measured rate, between [`MIN_PACED_CHUNK`] and
/// `max` (a smaller `max` wins). Pure.
pub(crate) fn chunk_for(rate: Option<f64>, max: usize) -> usize {
    let max = max.max(1);
    let wanted = rate.map_or(FIRST_CHUNK, |r| (r * CHUNK_SECONDS) as usize);
    wanted.clamp(MIN_PACED_CHUNK.min(max), max)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{FIRST_CHUNK, MIN_PACED_CHUNK, chunk_for, rate};

    #[test]
    fn chunks_are_half_a_second_of_the_measured_rate_within_bounds() {
        // Nothing measured yet: a modest first chunk.
        assert_eq!(chunk_for(None, 256 * 1024), FIRST_CHUNK);
        // 1 Mbit/s: 62.5 KB.
        assert_eq!(chunk_for(Some(125_000.0), 256 * 1024), 62_500);
        // 2G: never below the floor, where headers would weigh.
        assert_eq!(chunk_for(Some(4_000.0), 256 * 1024), MIN_PACED_CHUNK);
        // A LAN: the configured most.
        assert_eq!(chunk_for(Some(50e6), 256 * 1024), 256 * 1024);
        // A configured most below the floor wins.
        assert_eq!(chunk_for(Some(125_000.0), 16 * 1024), 16 * 1024);
        assert_eq!(chunk_for(None, 1000), 1000);
    }

    #[test]
    fn the_rate_counts_the_last_seconds_of_acknowledged_bytes() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // Too soon to say.
        assert_eq!(rate(t0, [(at(100), 50_000)].into_iter(), at(200)), None);
        // Nothing acknowledged within the window: no figure, not zero.
        assert_eq!(rate(t0, [(at(100), 50_000)].into_iter(), at(30_000)), None);
        // 250 KB acknowledged over 2 s.
        let acked = [(at(500), 125_000), (at(2000), 125_000)];
        assert_eq!(rate(t0, acked.into_iter(), at(2000)), Some(125_000.0));
        // Only the last 10 s count: a slow start is forgotten.
        let acked = [
            (at(1000), 10_000),
            (at(15_000), 500_000),
            (at(20_000), 500_000),
        ];
        assert_eq!(rate(t0, acked.into_iter(), at(20_000)), Some(100_000.0));
    }
}
