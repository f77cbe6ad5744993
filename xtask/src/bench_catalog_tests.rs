//! `cargo xtask bench catalog`'s arguments and table, without a server.

use serde_json::json;

use crate::bench_catalog::{Options, table};

#[test]
fn arguments() {
    let args = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let o = Options::parse(&[]).expect("defaults");
    assert_eq!(
        (
            o.listings,
            o.cooperatives,
            o.engines.clone(),
            o.seconds,
            o.connections
        ),
        (100_000, 500, vec!["sqlite".to_owned()], 10.0, 32)
    );
    let o = Options::parse(&args(
        "--listings 2000 --seconds 2 --engine both --connections 8 --cooperatives 50 --accept-encoding gzip",
    ))
    .expect("all given");
    assert_eq!(
        (
            o.listings,
            o.cooperatives,
            o.engines.clone(),
            o.seconds,
            o.connections
        ),
        (
            2000,
            50,
            vec!["sqlite".to_owned(), "postgres".to_owned()],
            2.0,
            8
        )
    );
    assert_eq!(
        Options::parse(&args("--engine postgres"))
            .expect("one")
            .engines,
        ["postgres"]
    );
    for wrong in [
        "--listings",
        "--listings many",
        "--engine mysql",
        "--listings 100",
        "--cooperatives 0",
        "--seconds 0",
        "--connections 0",
        "--fast",
    ] {
        assert!(Options::parse(&args(wrong)).is_err(), "{wrong} was taken");
    }
}

#[test]
fn the_table_puts_figures_beside_goals() {
    let engine = |pages: f64, page_p99: f64, search_p99: f64| {
        json!({
            "pages_per_s": pages, "page_p50_ms": 4.0, "page_p99_ms": page_p99,
            "search_p50_ms": 9.5, "search_p99_ms": search_p99,
            "feed_peak_rss_mb": 31.25, "feed_rss_before_mb": 14.0,
            "feed_items": 100000, "feed_bytes": 95_000_000, "feed_seconds": 3.2,
        })
    };
    let report = json!({
        "listings": 100000, "cooperatives": 500, "connections": 32,
        "seconds_per_phase": 10.0, "accept_encoding": "gzip, deflate, br, zstd",
        "machine": {"cores": 2, "cpu": "AMD EPYC"},
        "engines": {
            "sqlite": engine(2345.4, 12.34, 61.0),
            "postgres": engine(1500.0, 25.0, 40.0),
        },
    });
    let text = table(&report);
    let lines = |start: &str| {
        text.lines()
            .filter(|l| l.trim_start().starts_with(start))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lines("catalog:"),
        [
            "catalog: 100000 listings of 500 cooperatives, 32 connections, 10.0 s a phase, Accept-Encoding gzip, deflate, br, zstd; 2 cores (AMD EPYC)"
        ]
    );
    assert_eq!(
        lines("listing pages"),
        [
            "listing pages 1500 /s ≥ 2000 /s MISSED",
            "listing pages 2345 /s ≥ 2000 /s met",
        ],
        "engines in name order: postgres, then sqlite"
    );
    assert_eq!(
        lines("listing page p99"),
        [
            "listing page p99 25.0 ms (p50 4.0) ≤ 20 ms MISSED",
            "listing page p99 12.3 ms (p50 4.0) ≤ 20 ms met",
        ]
    );
    assert_eq!(
        lines("search p99")[1],
        "search p99 61.0 ms (p50 9.5) ≤ 50 ms MISSED"
    );
    assert_eq!(
        lines("Google feed")[0],
        "Google feed, server peak RSS 31.2 MB streamed"
    );
    assert_eq!(
        lines("(feed:")[0],
        "(feed: 100000 items, 95.0 MB, 3.2 s; RSS 14.0 MB before it)"
    );
    assert!(table(&json!({})).ends_with("no figures\n"));
}
