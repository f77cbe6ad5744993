//! `POST /v1/enroll` and the admin operations behind it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::admin;
use protocol::{EnrollRequest, EnrollResponse, ErrorKind};
use tower::ServiceExt as _;

use crate::{error_kind, post_json, test_market};

fn request(code: &str) -> Request<Body> {
    post_json(
        "/v1/enroll",
        None,
        &EnrollRequest {
            code: code.to_owned(),
            device_name: "Fatima's laptop".to_owned(),
            device_key: None,
        },
    )
}

#[tokio::test]
async fn a_code_enrolls_one_device_once() {
    let t = test_market();
    let coop = admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();

    let enrolled: EnrollResponse = t.send_ok(request(&code)).await;
    assert_eq!(enrolled.cooperative, coop);
    assert_eq!(enrolled.token.len(), 64);
    assert!(enrolled.token.bytes().all(|b| b.is_ascii_hexdigit()));

    let (status, body) = t.send(request(&code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn garbage_and_unknown_codes_are_refused() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    admin::enrollment_code(&t.market, "atlas").unwrap();
    for code in ["garbage!", "", "ABCD-EFGH-JKMN", "0000-0000"] {
        let (status, body) = t.send(request(code)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "code {code:?}");
        assert_eq!(error_kind(&body), ErrorKind::Unauthorized);
    }
}

#[tokio::test]
async fn codes_are_accepted_without_dash_and_in_lower_case() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let typed = code.replace('-', "").to_lowercase();
    let enrolled: EnrollResponse = t.send_ok(request(&typed)).await;
    assert_eq!(enrolled.cooperative.slug, "atlas");
}

#[tokio::test]
async fn codes_expire_after_24_hours() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let day_ms = 24 * 60 * 60 * 1000;
    let fresh = admin::enrollment_code(&t.market, "atlas").unwrap();
    let stale = admin::enrollment_code(&t.market, "atlas").unwrap();

    t.advance(day_ms - 1);
    let _: EnrollResponse = t.send_ok(request(&fresh)).await;
    t.advance(1);
    let (status, body) = t.send(request(&stale)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn a_bad_body_is_a_bad_request() {
    let t = test_market();
    let not_json = Request::post("/v1/enroll")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"code\": "))
        .unwrap();
    let wrong_shape = post_json(
        "/v1/enroll",
        None,
        &serde_json::json!({ "kode": "ABCD-EFGH" }),
    );
    let no_content_type = Request::post("/v1/enroll")
        .body(Body::from(r#"{"code":"ABCD-EFGH","device_name":"x"}"#))
        .unwrap();
    for request in [not_json, wrong_shape, no_content_type] {
        let (status, body) = t.send(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_kind(&body), ErrorKind::BadRequest);
    }
}

#[tokio::test]
async fn a_blank_device_name_is_refused_and_leaves_the_code_usable() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let blank = post_json(
        "/v1/enroll",
        None,
        &EnrollRequest {
            code: code.clone(),
            device_name: "  ".to_owned(),
            device_key: None,
        },
    );
    let (status, body) = t.send(blank).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_kind(&body), ErrorKind::BadRequest);
    let _: EnrollResponse = t.send_ok(request(&code)).await;
}

#[test]
fn cooperatives_have_unique_valid_slugs() {
    let t = test_market();
    let atlas = admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let err = admin::add_cooperative(&t.market, "atlas", "Another").unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        admin::ensure_cooperative(&t.market, "atlas", "Renamed").unwrap(),
        atlas
    );
    for slug in ["", "Atlas", "at las", "-atlas", "أطلس"] {
        assert!(
            admin::add_cooperative(&t.market, slug, "x").is_err(),
            "slug {slug:?}"
        );
    }
    assert!(admin::add_cooperative(&t.market, "rif", " ").is_err());
}

#[test]
fn codes_are_only_issued_for_known_cooperatives() {
    let t = test_market();
    let err = admin::enrollment_code(&t.market, "nowhere").unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

/// `request` as if it came from `ip` over a server with `ConnectInfo`.
fn from_ip(mut request: Request<Body>, ip: [u8; 4]) -> Request<Body> {
    let addr = std::net::SocketAddr::from((ip, 40_000));
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    request
}

#[tokio::test]
async fn enrollment_attempts_are_rate_limited_per_address() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let guesser = [203, 0, 113, 7];
    let burst = market::Config::default().enroll_rate.burst;
    for _ in 0..burst {
        let (status, _) = t.send(from_ip(request("0000-0000"), guesser)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The next attempt is refused even with the right code…
    let response = market::app(t.market.clone())
        .oneshot(from_ip(request(&code), guesser))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[header::RETRY_AFTER], "60");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(error_kind(&body), ErrorKind::TooManyRequests);

    // …another address is not slowed down…
    let (status, _) = t
        .send(from_ip(request("0000-0000"), [198, 51, 100, 1]))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // …and a minute later the guesser gets one more try.
    t.advance(60_000);
    let _: EnrollResponse = t.send_ok(from_ip(request(&code), guesser)).await;
    let (status, _) = t.send(from_ip(request("0000-0000"), guesser)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn without_connect_info_all_attempts_share_one_bucket() {
    let t = test_market();
    let burst = market::Config::default().enroll_rate.burst;
    for _ in 0..burst {
        let (status, _) = t.send(request("0000-0000")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = t.send(request("0000-0000")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_kind(&body), ErrorKind::TooManyRequests);
}

/// The buckets are in the database: servers sharing it share the limit, so
/// a guesser gains nothing by spreading attempts over them.
#[tokio::test]
async fn the_limit_holds_across_server_processes() {
    let t = test_market();
    let other = t.second_process();
    let guesser = [203, 0, 113, 9];
    let burst = market::Config::default().enroll_rate.burst;
    for attempt in 0..burst {
        let server = if attempt % 2 == 0 { &t } else { &other };
        let (status, _) = server.send(from_ip(request("0000-0000"), guesser)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for server in [&t, &other] {
        let (status, _) = server.send(from_ip(request("0000-0000"), guesser)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
}
