//! The shaper's behaviour. No upper bounds on time (a slow machine must not
//! fail them): bytes counted, cuts reset, stalls hold bytes back, a rate
//! limit never lets bytes through faster than the link.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::framing::{Body, Framer, Side};
use super::{LinkSpec, Shaper, Stall};

/// An upstream that reads `expect` bytes from each connection, then
/// answers `reply` bytes and keeps the connection open.
async fn upstream(expect: usize, reply: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut got = vec![0u8; expect];
                if stream.read_exact(&mut got).await.is_err() {
                    return;
                }
                let _ = stream.write_all(&vec![7u8; reply]).await;
                let mut rest = [0u8; 1024];
                while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
            });
        }
    });
    addr
}

#[tokio::test]
async fn counts_the_bytes_each_way() {
    let shaper = Shaper::start(upstream(100_000, 30_000).await, LinkSpec::default())
        .await
        .unwrap();
    let mut stream = TcpStream::connect(shaper.addr).await.unwrap();
    stream.write_all(&vec![1u8; 100_000]).await.unwrap();
    let mut back = vec![0u8; 30_000];
    stream.read_exact(&mut back).await.unwrap();
    assert!(back.iter().all(|b| *b == 7));
    let counters = shaper.counters();
    assert_eq!(counters.up_bytes, 100_000);
    assert_eq!(counters.down_bytes, 30_000);
    assert_eq!(counters.connections, 1);
    assert_eq!(counters.cuts, 0);
}

#[tokio::test]
async fn only_carries_to_loopback() {
    let refused = Shaper::start("192.0.2.1:80".parse().unwrap(), LinkSpec::default()).await;
    assert_eq!(refused.err().unwrap().kind(), io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_cut_resets_every_open_connection_and_new_ones_work() {
    let shaper = Shaper::start(upstream(10, 5).await, LinkSpec::default())
        .await
        .unwrap();
    let mut first = TcpStream::connect(shaper.addr).await.unwrap();
    let mut second = TcpStream::connect(shaper.addr).await.unwrap();
    for stream in [&mut first, &mut second] {
        stream.write_all(&[1u8; 10]).await.unwrap();
        let mut back = [0u8; 5];
        stream.read_exact(&mut back).await.unwrap();
    }
    shaper.cut_now();
    for stream in [&mut first, &mut second] {
        let mut byte = [0u8; 1];
        let read = stream.read(&mut byte).await;
        assert!(
            matches!(&read, Err(e) if e.kind() == io::ErrorKind::ConnectionReset),
            "a cut connection must be reset, got {read:?}"
        );
    }
    assert_eq!(shaper.counters().cuts, 1);
    let mut third = TcpStream::connect(shaper.addr).await.unwrap();
    third.write_all(&[1u8; 10]).await.unwrap();
    let mut back = [0u8; 5];
    third.read_exact(&mut back).await.unwrap();
    assert_eq!(back, [7u8; 5]);
}

#[tokio::test]
async fn a_stall_delivers_nothing_until_it_ends_and_resets_nothing() {
    let shaper = Shaper::start(upstream(1000, 1000).await, LinkSpec::default())
        .await
        .unwrap();
    let mut stream = TcpStream::connect(shaper.addr).await.unwrap();
    let started = Instant::now();
    shaper.stall_now(Duration::from_secs(3));
    stream.write_all(&[1u8; 1000]).await.unwrap();
    let mut back = vec![0u8; 1000];
    // Nothing within the first second of a three-second stall…
    let early = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut back[..1])).await;
    assert!(early.is_err(), "bytes got through a stalled link");
    assert_eq!(shaper.counters().up_bytes, 0);
    // …then everything, on the same connection.
    stream.read_exact(&mut back[1..]).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert_eq!(shaper.counters().up_bytes, 1000);
    assert_eq!(shaper.counters().cuts, 0);
    assert!(shaper.silent_time() >= Duration::from_secs(3));
}

#[tokio::test]
async fn periodic_stalls_and_cuts_happen() {
    let spec = LinkSpec {
        cut_every: Some(Duration::from_millis(200)),
        stall: Some(Stall {
            every: Duration::from_millis(200),
            length: Duration::from_millis(50),
        }),
        ..LinkSpec::default()
    };
    let shaper = Shaper::start(upstream(1, 1).await, spec).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(shaper.counters().cuts >= 3);
    assert!(shaper.silent_time() >= Duration::from_millis(100));
}

#[tokio::test]
async fn the_rate_is_shared_by_all_connections() {
    // 64 KB/s; two connections send 48 KB each: 96 KB minus the 16 KiB the
    // bucket holds at the start take at least 1.25 s however they share.
    let spec = LinkSpec {
        up_bytes_per_s: Some(64_000),
        ..LinkSpec::default()
    };
    let shaper = Shaper::start(upstream(48_000, 1).await, spec)
        .await
        .unwrap();
    let started = Instant::now();
    let send = || async {
        let mut stream = TcpStream::connect(shaper.addr).await.unwrap();
        stream.write_all(&vec![1u8; 48_000]).await.unwrap();
        let mut back = [0u8; 1];
        stream.read_exact(&mut back).await.unwrap();
    };
    tokio::join!(send(), send());
    let floor = (96_000.0 - 16.0 * 1024.0) / 64_000.0;
    assert!(
        started.elapsed().as_secs_f64() >= floor,
        "96 KB went through a 64 KB/s link in {:?}",
        started.elapsed()
    );
    assert_eq!(shaper.counters().up_bytes, 96_000);
}

#[tokio::test]
async fn the_delay_applies_to_each_way() {
    let spec = LinkSpec {
        one_way_delay: Duration::from_millis(150),
        ..LinkSpec::default()
    };
    let shaper = Shaper::start(upstream(10, 10).await, spec).await.unwrap();
    let started = Instant::now();
    let mut stream = TcpStream::connect(shaper.addr).await.unwrap();
    stream.write_all(&[1u8; 10]).await.unwrap();
    let mut back = [0u8; 10];
    stream.read_exact(&mut back).await.unwrap();
    // The handshake's round trip, then the bytes' own.
    assert!(started.elapsed() >= Duration::from_millis(600));
}

async fn http_server() -> SocketAddr {
    use axum::routing::get;
    let app = axum::Router::new()
        // axum answers HEAD from the GET handler: a length, no body.
        .route("/big", get(|| async { vec![b'x'; 10_000] }))
        .route(
            "/put",
            axum::routing::put(|body: String| async move { body }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn counts_http_requests_on_kept_alive_connections() {
    let shaper = Shaper::start(http_server().await, LinkSpec::default())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let body = client
            .get(format!("{}/big", shaper.url()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.len(), 10_000);
    }
    client
        .head(format!("{}/big", shaper.url()))
        .send()
        .await
        .unwrap();
    let echoed = client
        .put(format!("{}/put", shaper.url()))
        .body("hello")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(echoed, "hello");
    let counters = shaper.counters();
    assert_eq!(counters.requests, 4);
    assert_eq!(counters.requests_by_method["GET"], 2);
    assert_eq!(counters.requests_by_method["HEAD"], 1);
    assert_eq!(counters.requests_by_method["PUT"], 1);
    assert_eq!(counters.responses, 4);
    assert_eq!(counters.connections, 1, "the client keeps one connection");
}

#[tokio::test]
async fn truncates_every_nth_response() {
    let spec = LinkSpec {
        truncate_every: Some(2),
        ..LinkSpec::default()
    };
    let shaper = Shaper::start(http_server().await, spec).await.unwrap();
    let client = reqwest::Client::new();
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        let got = match client.get(format!("{}/big", shaper.url())).send().await {
            Ok(response) => response.bytes().await.map(|b| b.len()).ok(),
            Err(_) => None,
        };
        outcomes.push(got);
    }
    assert_eq!(outcomes, [Some(10_000), None, Some(10_000), None]);
    assert_eq!(shaper.counters().truncated, 2);
}

fn frames(side: Side, parts: &[&[u8]], requests: &mut VecDeque<bool>) -> Vec<(String, u64, Body)> {
    let mut framer = Framer::new(side);
    parts
        .iter()
        .flat_map(|p| framer.feed(p, requests))
        .map(|h| (h.label, h.end, h.body))
        .collect()
}

#[test]
fn framing_follows_lengths_chunks_and_head_answers_across_reads() {
    let mut requests = VecDeque::new();
    let up = frames(
        Side::Request,
        &[
            b"PATCH /u/1 HTTP/1.1\r\nContent-Length: 5\r\n\r",
            b"\nhelloHEAD /u/1 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        ],
        &mut requests,
    );
    assert_eq!(
        up.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
        ["PATCH", "HEAD", "GET"]
    );
    assert_eq!(requests, [false, true, false]);
    let down = frames(
        Side::Response,
        &[
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ],
        &mut requests,
    );
    // The HEAD answer's Content-Length names no body: the chunked one follows.
    assert_eq!(
        down.iter().map(|h| (h.0.as_str(), h.2)).collect::<Vec<_>>(),
        [
            ("204", Body::None),
            ("200", Body::None),
            ("200", Body::Chunked)
        ]
    );
    assert!(requests.is_empty());
}
