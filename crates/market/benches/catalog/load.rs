//! The buyers: kept-alive connections asking as soon as answered, each
//! request timed from send to the last byte of its body.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::header::{ACCEPT_ENCODING, ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use uuid::Uuid;

use crate::server::{Server, memory_kib};

/// What browsers send as `Accept-Encoding`.
pub const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";

/// Untimed asking before each phase: connections open, caches warm.
const WARM_UP: Duration = Duration::from_secs(1);

/// Browsers' `Accept-Language`s, one per request in turn.
const LANGUAGES: [&str; 3] = [
    "ar-MA,ar;q=0.9,fr;q=0.8",
    "fr-FR,fr;q=0.9,en;q=0.8",
    "en-GB,en;q=0.9",
];

/// What the buyers ask for.
#[derive(Clone, Copy)]
pub enum Ask<'a> {
    /// `/l/{id}` of listings picked at random.
    Pages(&'a [Uuid]),
    /// `/search?q=` of these queries in turn.
    Search(&'a [String]),
}

/// One phase's figures.
pub struct Figures {
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub mean_bytes: f64,
    pub count: usize,
}

/// The search mix: 7 of 10 common words (French, English, Arabic; one or
/// two of them), 2 a numbered title that one listing has (every row is
/// read to find it), 1 a word no listing has (likewise).
pub fn queries(listings: usize) -> Vec<String> {
    let numbered = (listings / 32).max(1);
    vec![
        "tapis".to_owned(),
        "argan".to_owned(),
        "زربية".to_owned(),
        "copper lantern".to_owned(),
        format!("Tapis Azilal {}", numbered / 2 + 1),
        "huile d'olive".to_owned(),
        "فضي".to_owned(),
        "babouches".to_owned(),
        format!("safran {}", numbered / 3 + 1),
        "iphone".to_owned(),
    ]
}

fn client(accept_encoding: &str, connections: usize) -> anyhow::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(accept_encoding)?);
    Ok(reqwest::Client::builder()
        // Bodies are counted as they travel, compressed, not unpacked.
        .no_gzip()
        .default_headers(headers)
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// A listing page and a search answer as a buyer sees them: photos, results.
pub async fn check(base: &str, ids: &[Uuid]) -> anyhow::Result<()> {
    let plain = reqwest::Client::builder().no_gzip().build()?;
    let page = plain
        .get(format!("{base}/l/{}", ids[0]))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    anyhow::ensure!(page.contains("/photos/"), "the listing page shows no photo");
    let found = plain
        .get(format!("{base}/search?q=tapis"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    anyhow::ensure!(found.contains("/l/"), "searching `tapis` finds nothing");
    Ok(())
}

/// `connections` buyers asking for `ask` during a warm-up, then `phase`.
pub async fn run(
    base: &str,
    accept_encoding: &str,
    connections: usize,
    phase: Duration,
    ask: Ask<'_>,
) -> anyhow::Result<Figures> {
    let client = client(accept_encoding, connections)?;
    drive(&client, base, connections, WARM_UP, ask).await?;
    let started = Instant::now();
    let runs = drive(&client, base, connections, phase, ask).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<Duration> = runs.iter().flat_map(|(l, _)| l.iter().copied()).collect();
    let bytes: u64 = runs.iter().map(|(_, b)| b).sum();
    latencies.sort();
    let count = latencies.len();
    Ok(Figures {
        per_s: count as f64 / elapsed,
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
        mean_bytes: bytes as f64 / count.max(1) as f64,
        count,
    })
}

/// Each connection's latencies and body bytes.
async fn drive(
    client: &reqwest::Client,
    base: &str,
    connections: usize,
    length: Duration,
    ask: Ask<'_>,
) -> anyhow::Result<Vec<(Vec<Duration>, u64)>> {
    let deadline = Instant::now() + length;
    let buyers = (0..connections).map(|buyer| async move {
        let mut latencies = Vec::new();
        let mut bytes = 0u64;
        let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (buyer as u64 + 1).wrapping_mul(0xBF58_476D);
        let mut n = buyer;
        while Instant::now() < deadline {
            let url = match ask {
                Ask::Pages(ids) => {
                    format!(
                        "{base}/l/{}",
                        ids[(next(&mut rng) % ids.len() as u64) as usize]
                    )
                }
                Ask::Search(queries) => {
                    let q = &queries[n % queries.len()];
                    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
                    format!("{base}/search?q={q}")
                }
            };
            n += 1;
            let sent = Instant::now();
            let response = client
                .get(&url)
                .header(ACCEPT_LANGUAGE, LANGUAGES[n % LANGUAGES.len()])
                .send()
                .await
                .with_context(|| format!("GET {url}"))?;
            anyhow::ensure!(
                response.status().is_success(),
                "GET {url}: {}",
                response.status()
            );
            let body = response.bytes().await?;
            latencies.push(sent.elapsed());
            bytes += body.len() as u64;
        }
        anyhow::Ok((latencies, bytes))
    });
    futures_util::future::join_all(buyers)
        .await
        .into_iter()
        .collect()
}

/// splitmix64.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `q` quantile of sorted durations, in milliseconds (nearest rank).
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

pub struct FeedFigures {
    pub items: usize,
    /// Unpacked.
    pub bytes: u64,
    pub seconds: f64,
    pub rss_before_mb: f64,
    pub rss_peak_mb: f64,
    /// The server's `VmHWM` after the feed: its peak since it started.
    pub hwm_mb: f64,
}

/// The whole Google feed, gzipped as crawlers fetch it, its items counted
/// as they stream in, the server's memory sampled meanwhile.
pub async fn feed(server: &Server) -> anyhow::Result<FeedFigures> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = server.pid;
    let (before_kib, _) = memory_kib(pid)?;
    let peak = Arc::new(AtomicU64::new(before_kib));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if let Ok((rss, _)) = memory_kib(pid) {
                    peak.fetch_max(rss, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let fetched = async {
        let mut response = client
            .get(format!("{}/feeds/google.xml", server.base))
            .send()
            .await?
            .error_for_status()?;
        let mut items = 0;
        let mut bytes = 0u64;
        // The end of the last piece, for an `<item>` cut in two.
        let mut carry: Vec<u8> = Vec::new();
        while let Some(piece) = response.chunk().await? {
            bytes += piece.len() as u64;
            carry.extend_from_slice(&piece);
            items += carry.windows(6).filter(|w| w == b"<item>").count();
            let keep = carry.len().min(5);
            carry.drain(..carry.len() - keep);
        }
        anyhow::Ok((items, bytes))
    }
    .await;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    let (items, bytes) = fetched?;
    let (_, hwm_kib) = memory_kib(pid)?;
    let mb = |kib: u64| kib as f64 / 1024.0;
    Ok(FeedFigures {
        items,
        bytes,
        seconds,
        rss_before_mb: mb(before_kib),
        rss_peak_mb: mb(peak.load(Ordering::SeqCst)),
        hwm_mb: mb(hwm_kib),
    })
}
