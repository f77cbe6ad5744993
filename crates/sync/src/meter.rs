//! What sync costs in data, and the day's budget it must stay within.
//!
//! Every request the engine makes goes through [`Engine::send`] and every
//! answer body through [`Engine::body`] (or is counted chunk by chunk, for
//! downloads): the bytes of each HTTP/1.1 message — request or status
//! line, headers, body as it travels (gzipped answers are counted before
//! they are undone) — go into the [`Meter`]. Over plain HTTP that is what
//! crosses the wire, to within the few bytes of chunk framing; TLS adds its
//! record overhead on top.
//!
//! With a daily budget, a request goes only if what it may cost fits in
//! what is left: a photo chunk or a download is cut to fit, a push or a
//! pull is sent only with its answer's reserve left. The pass then stops
//! with [`Error::BudgetReached`] at a clean point: every step of a pass
//! leaves the marketplace coherent (a listing's photos show only once all
//! are there), so what did not go simply waits for tomorrow.

use std::sync::Mutex;

use reqwest::header::{CONTENT_ENCODING, HeaderMap, TRANSFER_ENCODING};
use reqwest::{RequestBuilder, Response};

use crate::Engine;
use crate::error::{Error, Result};

/// Bytes set aside for an answer's status line and headers.
pub(crate) const ANSWER_HEAD: u64 = 512;

/// Bytes set aside for a pull page's answer (its page size is cut to fit).
pub(crate) const PULL_RESERVE: u64 = 64 * 1024;

/// What a pulled listing costs at most, gzipped, to size pull pages by the
/// bytes left.
pub(crate) const PULLED_LISTING_BYTES: u64 = 2 * 1024;

/// Largest answer body taken in (a gzipped answer is undone to at most this).
const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// The bytes counted, and the day's budget.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    inner: Mutex<Counts>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    /// The budget for today, in bytes (`None`: no budget).
    limit: Option<u64>,
    /// Bytes spent today before this pass began (from the store).
    before: u64,
    /// Bytes counted by this process, in all.
    up: u64,
    down: u64,
    /// `up + down` when this pass began.
    at_pass_start: u64,
    /// Set aside for requests on their way (a request's worst cost).
    reserved: u64,
    /// Counted but not yet added to the store's count of the day.
    unflushed: u64,
}

impl Counts {
    fn spent(&self) -> u64 {
        self.before + (self.up + self.down - self.at_pass_start)
    }

    fn left(&self) -> Option<u64> {
        self.limit
            .map(|l| l.saturating_sub(self.spent() + self.reserved))
    }
}

/// Bytes set aside for one request; given back when dropped (what the
/// request really cost is counted as it goes).
pub(crate) struct Reserved<'m> {
    meter: &'m Meter,
    bytes: u64,
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        let mut c = self.meter.lock();
        c.reserved = c.reserved.saturating_sub(self.bytes);
    }
}

impl Meter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A pass begins with `used_today` already spent (the store's count,
    /// which everything counted before has been added to).
    pub(crate) fn start_pass(&self, limit: Option<u64>, used_today: u64) {
        let mut c = self.lock();
        c.limit = limit;
        c.before = used_today;
        c.at_pass_start = c.up + c.down;
        c.unflushed = 0;
    }

    /// Bytes the budget still allows (`None`: no budget).
    pub(crate) fn left(&self) -> Option<u64> {
        self.lock().left()
    }

    /// Sets `bytes` aside for a request, or [`Error::BudgetReached`] when
    /// they do not fit in what is left today.
    pub(crate) fn reserve(&self, bytes: u64) -> Result<Reserved<'_>> {
        let mut c = self.lock();
        if let Some(left) = c.left()
            && bytes > left
        {
            return Err(Error::BudgetReached);
        }
        c.reserved += bytes;
        Ok(Reserved { meter: self, bytes })
    }

    pub(crate) fn sent(&self, bytes: u64) {
        let mut c = self.lock();
        c.up += bytes;
        c.unflushed += bytes;
    }

    pub(crate) fn received(&self, bytes: u64) {
        let mut c = self.lock();
        c.down += bytes;
        c.unflushed += bytes;
    }

    /// A piece of an answer's body as it travelled: its bytes, plus the
    /// chunk's framing when the answer is chunked.
    pub(crate) fn received_chunk(&self, len: usize, chunked: bool) {
        self.received(len as u64 + if chunked { chunk_framing(len) } else { 0 });
    }

    /// Bytes counted since the last call (to add to the store's day).
    pub(crate) fn take_unflushed(&self) -> u64 {
        std::mem::take(&mut self.lock().unflushed)
    }

    /// Bytes sent and received by this process, in all.
    pub(crate) fn totals(&self) -> (u64, u64) {
        let c = self.lock();
        (c.up, c.down)
    }
}

/// The bytes of a request as HTTP/1.1 puts it on the wire: request line,
/// the headers (with the ones the client adds: host, user agent, accept,
/// accept-encoding, content-length), the blank line and the body. Pure.
pub(crate) fn request_bytes(request: &reqwest::Request, defaults: &HeaderMap) -> u64 {
    let url = request.url();
    let target = url.path().len() + url.query().map_or(0, |q| q.len() + 1);
    let mut n = request.method().as_str().len() + 1 + target + " HTTP/1.1\r\n".len();
    let host =
        url.host_str().unwrap_or("").len() + url.port().map_or(0, |p| 1 + p.to_string().len());
    n += "host: \r\n".len() + host;
    let headers = request.headers();
    n += header_bytes(headers);
    for (name, value) in defaults {
        if !headers.contains_key(name) {
            n += name.as_str().len() + 4 + value.len();
        }
    }
    if !headers.contains_key(reqwest::header::ACCEPT)
        && !defaults.contains_key(reqwest::header::ACCEPT)
    {
        n += "accept: */*\r\n".len();
    }
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .map_or(0, <[u8]>::len);
    if body > 0 || matches!(request.method().as_str(), "POST" | "PUT" | "PATCH") {
        n += "content-length: \r\n".len() + body.to_string().len();
    }
    (n + 2 + body) as u64
}

/// The bytes of an answer's status line, headers and blank line. Pure.
pub(crate) fn answer_head_bytes(response: &Response) -> u64 {
    let status = response.status();
    let reason = status.canonical_reason().unwrap_or("").len();
    ("HTTP/1.1 000 \r\n".len() + reason + header_bytes(response.headers()) + 2) as u64
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + 4 + value.len())
        .sum()
}

/// Whether the body comes in HTTP/1.1 chunks (each framed by its size).
pub(crate) fn is_chunked(response: &Response) -> bool {
    response
        .headers()
        .get(TRANSFER_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"))
}

/// The framing of one HTTP/1.1 chunk of `len` bytes: its size in hex and
/// two line ends. Pure.
pub(crate) fn chunk_framing(len: usize) -> u64 {
    (format!("{len:x}").len() + 4) as u64
}

impl Engine {
    /// Sends a request, counted; with a budget, only if `reserve` bytes
    /// (the request and the most its answer may cost) fit in what is left.
    pub(crate) async fn send(&self, request: RequestBuilder, answer: u64) -> Result<Response> {
        let request = request.build()?;
        let up = request_bytes(&request, &self.default_headers);
        let _reserved = self.meter.reserve(up + answer)?;
        self.meter.sent(up);
        let response = self.client.execute(request).await?;
        self.meter.received(answer_head_bytes(&response));
        Ok(response)
    }

    /// An answer's body, counted as it travelled, then un-gzipped if it was.
    pub(crate) async fn body(&self, mut response: Response) -> Result<Vec<u8>> {
        let chunked = is_chunked(&response);
        let gzipped = response
            .headers()
            .get(CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let mut raw = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            self.meter.received_chunk(chunk.len(), chunked);
            if raw.len() as u64 + chunk.len() as u64 > MAX_ANSWER_BYTES {
                return Err(Error::Protocol("the answer is too large".to_owned()));
            }
            raw.extend_from_slice(&chunk);
        }
        if chunked {
            self.meter.received(5); // the last, empty chunk
        }
        if !gzipped {
            return Ok(raw);
        }
        let mut text = Vec::new();
        let decoder = flate2::read::GzDecoder::new(&raw[..]);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(decoder, MAX_ANSWER_BYTES),
            &mut text,
        )
        .map_err(|e| Error::Protocol(format!("a gzipped answer did not read: {e}")))?;
        Ok(text)
    }

    /// An answer's JSON body, counted.
    pub(crate) async fn json<T: serde::de::DeserializeOwned>(
        &self,
        response: Response,
    ) -> Result<T> {
        let body = self.body(response).await?;
        serde_json::from_slice(&body)
            .map_err(|e| Error::Protocol(format!("an answer did not read: {e}")))
    }

    /// An answer's text body (for the log), counted; empty if unreadable.
    pub(crate) async fn text(&self, response: Response) -> String {
        match self.body(response).await {
            Ok(body) => String::from_utf8_lossy(&body).into_owned(),
            Err(_) => String::new(),
        }
    }

    /// Adds what was counted since the last flush to the store's count of
    /// the day (what `hanout config` and the settings show).
    pub(crate) async fn flush_meter(&self) -> Result<()> {
        let bytes = self.meter.take_unflushed();
        if bytes == 0 {
            return Ok(());
        }
        let now = self.clock.now_ms();
        self.with_store(move |s| s.add_data_used(now, bytes).map(drop))
            .await
    }

    /// Bytes this process sent and received, in all (for reports).
    pub fn bytes_on_wire(&self) -> (u64, u64) {
        self.meter.totals()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_counts_its_line_headers_and_body() {
        let client = reqwest::Client::new();
        let request = client
            .post("http://127.0.0.1:8080/v1/push?x=1")
            .header("authorization", "Bearer abc")
            .body(vec![0u8; 100])
            .build()
            .unwrap();
        let mut defaults = HeaderMap::new();
        defaults.insert("user-agent", "hanout/1".parse().unwrap());
        let expected = "POST /v1/push?x=1 HTTP/1.1\r\n".len()
            + "host: 127.0.0.1:8080\r\n".len()
            + "authorization: Bearer abc\r\n".len()
            + "user-agent: hanout/1\r\n".len()
            + "accept: */*\r\n".len()
            + "content-length: 100\r\n".len()
            + 2
            + 100;
        assert_eq!(request_bytes(&request, &defaults), expected as u64);
    }

    #[test]
    fn the_budget_refuses_what_does_not_fit_and_gives_back_what_was_set_aside() {
        let meter = Meter::default();
        meter.start_pass(Some(10_000), 4_000);
        assert_eq!(meter.left(), Some(6_000));
        let held = meter.reserve(5_000).unwrap();
        assert!(matches!(meter.reserve(1_001), Err(Error::BudgetReached)));
        meter.sent(3_000);
        drop(held);
        assert_eq!(meter.left(), Some(3_000));
        assert_eq!(meter.take_unflushed(), 3_000);
        assert_eq!(meter.take_unflushed(), 0);
        // A new pass starts from the store's count, which includes it.
        meter.start_pass(Some(10_000), 7_000);
        assert_eq!(meter.left(), Some(3_000));
        meter.start_pass(None, 7_000);
        assert!(meter.reserve(u64::MAX / 2).is_ok());
    }

    #[test]
    fn chunks_are_framed_by_their_hex_size() {
        assert_eq!(chunk_framing(0x1f40), 8);
        assert_eq!(chunk_framing(5), 5);
    }
}
