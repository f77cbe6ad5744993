//! `cargo xtask bench app`: what the window's list costs with 10,000
//! listings — one page (as the window asks for it now) against the whole
//! list (what every sync event used to reload), as store time and IPC
//! bytes (the JSON the webview receives). Figures, not a timed test.
//!
//! `--out FILE` writes the figures as JSON; `--listings N` changes the count.

// A bench binary: printing its figures is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use hanout_app::ipc::{ListingQuery, ListingStatus, ListingView, SyncFilter};
use hanout_app::listing_page::{listing_page, listings_by_id};

const PAGE: u32 = 50;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let n: usize = arg("--listings").map_or(10_000, |v| v.parse().expect("--listings N"));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = store::open(&dir.path().join("catalog.db")).expect("store");

    let started = Instant::now();
    let words = [
        "Tapis",
        "Tajine",
        "Huile d'argan",
        "Babouches",
        "زربية",
        "طاجين",
    ];
    for i in 0..n {
        let title = format!("{} n°{i}", words[i % words.len()]);
        let new = store::NewListing::new(
            store::Titles::from_single(&title),
            store::Price::from_centimes(10_000 + i as i64).expect("price"),
        )
        .expect("listing");
        s.create_listing(new, 1_000 + i as i64).expect("create");
    }
    // Most of the catalog is on the marketplace, a few refused, the newest
    // 100 waiting: a cooperative's laptop after months of use.
    let pending = s.pending_changes(n).expect("pending");
    let acks: Vec<_> = pending
        .iter()
        .take(n.saturating_sub(100))
        .enumerate()
        .map(|(i, p)| {
            let ack = if i % 500 == 7 {
                store::PushAck::Rejected {
                    reason: "invalid".into(),
                }
            } else {
                store::PushAck::Accepted
            };
            (p.listing_id, p.seq, ack)
        })
        .collect();
    s.record_acks(&acks, 9_999_999).expect("acks");
    eprintln!("{n} listings created in {:.1?}", started.elapsed());

    let mut figures = Vec::new();
    let mut measure = |name: &str, run: &mut dyn FnMut() -> Vec<ListingView>| {
        run(); // warm the statement cache and the page cache
        let runs = 10;
        let mut best = Duration::MAX;
        let mut rows = 0;
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let views = run();
            let json = serde_json::to_vec(&views).expect("json");
            best = best.min(t.elapsed());
            rows = views.len();
            bytes = json.len();
        }
        println!(
            "{name:<44} {rows:>6} rows {:>9} bytes {:>9.2} ms (best of {runs})",
            bytes,
            best.as_secs_f64() * 1e3
        );
        figures.push(serde_json::json!({
            "name": name, "rows": rows, "ipc_bytes": bytes, "best_ms": best.as_secs_f64() * 1e3,
        }));
    };
    let st = &s;
    let page = |q: ListingQuery| move || listing_page(st, &q).expect("page").listings;
    let q = |text: Option<&str>, status, sync| ListingQuery {
        text: text.map(str::to_owned),
        status,
        sync,
        offset: 0,
        limit: PAGE,
    };

    measure("before: whole list on every sync event", &mut || {
        st.listings()
            .expect("listings")
            .iter()
            .map(ListingView::from)
            .collect()
    });
    measure("first page", &mut page(q(None, None, None)));
    measure(
        "first page, status = ready",
        &mut page(q(None, Some(ListingStatus::Ready), None)),
    );
    measure(
        "first page, sync = waiting",
        &mut page(q(None, None, Some(SyncFilter::Waiting))),
    );
    measure(
        "first page, sync = failed (rare: scans all)",
        &mut page(q(None, None, Some(SyncFilter::Failed))),
    );
    measure(
        "first page, words \"tapis\"",
        &mut page(q(Some("tapis"), None, None)),
    );
    let waiting: Vec<store::ListingId> = st
        .listings()
        .expect("listings")
        .iter()
        .take(PAGE as usize)
        .map(|l| l.id)
        .collect();
    measure("after: a sync event re-reads the waiting rows", &mut || {
        listings_by_id(st, &waiting).expect("by id")
    });

    if let Some(out) = arg("--out") {
        let doc = serde_json::json!({ "listings": n, "page": PAGE, "figures": figures });
        std::fs::write(&out, serde_json::to_string_pretty(&doc).expect("json")).expect("--out");
        eprintln!("wrote {out}");
    }
}
