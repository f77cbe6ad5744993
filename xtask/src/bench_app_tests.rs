//! `cargo xtask bench app`'s arithmetic and table, without a window.

use crate::bench_app::{Figures, Options, median, table};
use crate::pss::ProcessPss;

#[test]
fn median_of_odd_and_even_runs() {
    assert_eq!(median(&[900.0, 310.0, 305.0, 330.0, 320.0]), 320.0);
    assert_eq!(median(&[400.0, 300.0]), 350.0);
    assert!(median(&[]).is_nan());
}

#[test]
fn arguments() {
    let args = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let o = Options::parse(&[]).expect("defaults");
    assert_eq!(
        (o.runs, o.idle_s, o.profile.as_str(), o.listings, o.list),
        (5, 10, "release", 10_000, true)
    );
    let o = Options::parse(&args(
        "--runs 3 --profile ship --window-only --listings 200 --idle-s 2",
    ))
    .expect("all given");
    assert_eq!(
        (o.runs, o.idle_s, o.profile.as_str(), o.listings, o.list),
        (3, 2, "ship", 200, false)
    );
    assert!(Options::parse(&args("--runs")).is_err());
    assert!(Options::parse(&args("--runs 0")).is_err());
    assert!(Options::parse(&args("--fast")).is_err());
}

#[test]
fn the_table_puts_figures_beside_goals() {
    let figures = Figures {
        cold_start_ms: 640.4,
        cold_start_max_ms: 1210.0,
        idle_pss_mb: 250.0,
        deb_mb: Some(12.87),
        appimage_mb: None,
    };
    let idle = [
        ProcessPss {
            pid: 10,
            name: "hanout-app".into(),
            pss_kib: 60 * 1024,
        },
        ProcessPss {
            pid: 11,
            name: "WebKitWebProcess".into(),
            pss_kib: 190 * 1024,
        },
    ];
    let text = table(&figures, &idle);
    let line = |start: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} line in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("cold start"),
        "cold start to first paint 640 ms (max 1210) ≤ 1000 ms met"
    );
    assert_eq!(
        line("idle memory"),
        "idle memory (PSS, all processes) 250.0 MB ≤ 200 MB MISSED"
    );
    assert_eq!(line(".deb"), ".deb 12.87 MB ≤ 15 MB met");
    assert_eq!(line("AppImage"), "AppImage — ≤ 90 MB not measured");
    assert_eq!(line("WebKitWebProcess"), "WebKitWebProcess (11) 190.0 MB");
}
