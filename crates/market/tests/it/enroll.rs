//! `POST /v1/enroll` and the admin operations behind it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::admin;
use protocol::{EnrollRequest, EnrollResponse, ErrorKind};
use tower::ServiceExt as _;
use uuid::Uuid;

use crate::{TestMarket, error_kind, post_json, test_market};

fn request(code: &str) -> Request<Body> {
    keyed(code, None)
}

/// An enrollment from the laptop whose key is `device_key`.
fn keyed(code: &str, device_key: Option<Uuid>) -> Request<Body> {
    post_json(
        "/v1/enroll",
        None,
        &EnrollRequest {
            code: code.to_owned(),
            device_name: "Fatima's laptop".to_owned(),
            device_key,
        },
    )
}

/// Whether `token` is accepted (a pull answers 200) or refused (401).
async fn works(t: &TestMarket, token: &str) -> bool {
    let request = Request::get("/v1/pull")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    match t.send(request).await.0 {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("pull answered {other}"),
    }
}

#[tokio::test]
async fn a_lost_answer_is_answered_again_for_the_same_device_key() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let key = Uuid::now_v7();
    let lost: EnrollResponse = t.send_ok(keyed(&code, Some(key))).await;
    t.advance(enroll_retry_window_ms() - 1);
    let again: EnrollResponse = t.send_ok(keyed(&code, Some(key))).await;
    assert_eq!(again.device_id, lost.device_id, "the same device");
    assert_eq!(again.cooperative, lost.cooperative);
    assert_ne!(again.token, lost.token, "a fresh token");
    assert!(!works(&t, &lost.token).await, "the lost token is revoked");
    assert!(works(&t, &again.token).await);
    let devices = admin::list_devices(&t.market, Some("atlas")).unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");

    // Another laptop, or no key, gets "code used".
    for other in [Some(Uuid::now_v7()), None] {
        let (status, _) = t.send(keyed(&code, other)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // And past the window, so does the same laptop.
    t.advance(2);
    let (status, _) = t.send(keyed(&code, Some(key))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(works(&t, &again.token).await);
}

/// The retry window the server states: 15 minutes.
fn enroll_retry_window_ms() -> i64 {
    15 * 60 * 1000
}

#[tokio::test]
async fn enrolling_again_revokes_the_previous_token() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    admin::add_cooperative(&t.market, "rif", "Coopérative du Rif").unwrap();
    let key = Uuid::now_v7();
    let first_code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let first: EnrollResponse = t.send_ok(keyed(&first_code, Some(key))).await;
    let neighbour: EnrollResponse = t
        .send_ok(keyed(
            &admin::enrollment_code(&t.market, "atlas").unwrap(),
            Some(Uuid::now_v7()),
        ))
        .await;
    // The same laptop joins another cooperative: its old token is dead.
    let second_code = admin::enrollment_code(&t.market, "rif").unwrap();
    let second: EnrollResponse = t.send_ok(keyed(&second_code, Some(key))).await;
    assert_ne!(second.device_id, first.device_id);
    assert_eq!(second.cooperative.slug, "rif");
    assert!(!works(&t, &first.token).await);
    assert!(works(&t, &second.token).await);
    assert!(
        works(&t, &neighbour.token).await,
        "other laptops keep theirs"
    );
    let states: Vec<_> = admin::list_devices(&t.market, None)
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.revoked_at_ms.is_some()))
        .collect();
    assert_eq!(
        states,
        [
            (first.device_id, true),
            (neighbour.device_id, false),
            (second.device_id, false)
        ]
    );
}

#[tokio::test]
async fn a_code_dies_after_repeated_refused_attempts() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let key = Uuid::now_v7();
    let _: EnrollResponse = t.send_ok(keyed(&code, Some(key))).await;
    // Someone else tries the used code, again and again (from many
    // addresses: the per-address limit does not catch them).
    for n in 0..5u8 {
        let (status, _) = t
            .send(from_ip(keyed(&code, Some(Uuid::now_v7())), [192, 0, 2, n]))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The code is dead now, even for its own laptop within the window.
    let (status, _) = t
        .send(from_ip(keyed(&code, Some(key)), [192, 0, 2, 9]))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn device_names_reach_the_operator_without_control_characters() {
    let t = test_market();
    admin::add_cooperative(&t.market, "atlas", "Coopérative Atlas").unwrap();
    let code = admin::enrollment_code(&t.market, "atlas").unwrap();
    let request = post_json(
        "/v1/enroll",
        None,
        &EnrollRequest {
            code,
            device_name: " Fatima\u{1b}[2J\r\nلابتوب\u{202e}gpj.exe\u{7} ".to_owned(),
            device_key: None,
        },
    );
    let _: EnrollResponse = t.send_ok(request).await;
    let devices = admin::list_devices(&t.market, Some("atlas")).unwrap();
    assert_eq!(devices[0].name, "Fatima[2Jلابتوبgpj.exe");
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
