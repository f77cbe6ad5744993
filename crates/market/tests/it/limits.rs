//! Enrollment limits that one abusive client cannot turn against everyone:
//! buckets keyed by IPv6 /64, `X-Forwarded-For` believed only from a
//! trusted proxy, and a global ceiling.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use market::RateLimit;
use protocol::EnrollRequest;

use crate::{TestMarket, post_json, test_market, test_market_tuned};

/// A wrong enrollment from `peer`, with `forwarded` as `X-Forwarded-For`.
fn attempt(peer: &str, forwarded: Option<&str>) -> Request<Body> {
    let mut request = post_json(
        "/v1/enroll",
        None,
        &EnrollRequest {
            code: "0000-0000".to_owned(),
            device_name: "laptop".to_owned(),
            device_key: None,
        },
    );
    if let Some(forwarded) = forwarded {
        request
            .headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
    }
    let ip: IpAddr = peer.parse().unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
    request
}

/// Sends `count` attempts; returns the statuses.
async fn attempts(
    t: &TestMarket,
    count: u32,
    peer: &str,
    forwarded: Option<&str>,
) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        statuses.push(t.send(attempt(peer, forwarded)).await.0);
    }
    statuses
}

const REFUSED: StatusCode = StatusCode::UNAUTHORIZED;
const LIMITED: StatusCode = StatusCode::TOO_MANY_REQUESTS;

#[tokio::test]
async fn ipv6_clients_are_limited_by_their_64() {
    let t = test_market();
    let burst = market::Config::default().enroll_rate.burst;
    // One /64, many addresses: one bucket.
    for n in 0..burst {
        let peer = format!("2001:db8:aa:1::{n:x}");
        assert_eq!(t.send(attempt(&peer, None)).await.0, REFUSED);
    }
    assert_eq!(
        t.send(attempt("2001:db8:aa:1:ffff::9", None)).await.0,
        LIMITED
    );
    // The next /64 is someone else.
    assert_eq!(t.send(attempt("2001:db8:aa:2::1", None)).await.0, REFUSED);
    // An IPv4 address written as IPv6 is the IPv4 client.
    let v4 = attempts(&t, burst, "198.51.100.20", None).await;
    assert!(v4.iter().all(|s| *s == REFUSED), "{v4:?}");
    assert_eq!(
        t.send(attempt("::ffff:198.51.100.20", None)).await.0,
        LIMITED
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let burst = market::Config::default().enroll_rate.burst;
    // By default the header is ignored: a client cannot pick its bucket.
    let t = test_market();
    let mut spread = Vec::new();
    for n in 0..=burst {
        let forwarded = format!("192.0.2.{n}");
        spread.push(t.send(attempt("203.0.113.50", Some(&forwarded))).await.0);
    }
    assert_eq!(
        spread.iter().filter(|s| **s == LIMITED).count(),
        1,
        "{spread:?}"
    );

    // Behind a trusted proxy, each client has its own bucket, and one
    // client locking itself out does not lock out the others.
    let proxy = "127.0.0.1";
    let t = test_market_tuned(|config| config.trusted_proxies = vec![proxy.parse().unwrap()]);
    let greedy = attempts(&t, burst + 1, proxy, Some("203.0.113.7")).await;
    assert_eq!(greedy.last(), Some(&LIMITED));
    assert_eq!(t.send(attempt(proxy, Some("203.0.113.8"))).await.0, REFUSED);
    // A client cannot hide behind an address it writes itself: the
    // proxy appends the real one, which is the one believed.
    assert_eq!(
        t.send(attempt(proxy, Some("192.0.2.99, 203.0.113.7")))
            .await
            .0,
        LIMITED
    );
}

#[tokio::test]
async fn a_global_ceiling_holds_over_all_clients() {
    let t = test_market_tuned(|config| {
        config.enroll_global_rate = RateLimit {
            burst: 3,
            refill_every: Duration::from_secs(1),
        };
    });
    for n in 0..3 {
        assert_eq!(
            t.send(attempt(&format!("192.0.2.{n}"), None)).await.0,
            REFUSED
        );
    }
    assert_eq!(t.send(attempt("192.0.2.200", None)).await.0, LIMITED);
    t.advance(1_000);
    assert_eq!(t.send(attempt("192.0.2.201", None)).await.0, REFUSED);
}
