//! The `hanout-market` binary, run for real.

use std::path::Path;
use std::process::{Command, Output};

use axum::http::StatusCode;
use market::Market;
use protocol::{CatalogPage, EnrollRequest, EnrollResponse, PullResponse};
use tower::ServiceExt as _;

use crate::{Serving, hanout_market_command, http_enroll, http_get, http_push, post_json, upsert};

fn hanout_market(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hanout-market"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// The code on stdout, checked for its `XXXX-XXXX` Crockford shape.
#[track_caller]
fn printed_code(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let code = stdout
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("{stdout:?}"));
    let crockford = |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c));
    let (head, tail) = code.split_once('-').unwrap_or_else(|| panic!("{code:?}"));
    assert!(
        head.len() == 4 && tail.len() == 4 && head.chars().chain(tail.chars()).all(crockford),
        "{code:?}"
    );
    code.to_owned()
}

#[tokio::test]
async fn demo_and_device_code_print_codes_that_enroll() {
    let dir = tempfile::tempdir().unwrap();
    let demo = printed_code(&hanout_market(dir.path(), &["demo"]));
    let again = printed_code(&hanout_market(dir.path(), &["demo"]));
    let device = printed_code(&hanout_market(dir.path(), &["device", "code", "atlas"]));
    assert_ne!(demo, again);

    // The codes were issued on the system clock: check them on it too.
    let market = Market::open(dir.path()).unwrap();
    for code in [demo, again, device] {
        let request = EnrollRequest {
            code,
            device_name: "laptop".to_owned(),
            device_key: None,
        };
        let response = market::app(market.clone())
            .oneshot(post_json("/v1/enroll", None, &request))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let enrolled: EnrollResponse = serde_json::from_slice(&body).unwrap();
        assert_eq!(enrolled.cooperative.slug, "atlas");
        assert_eq!(
            enrolled.cooperative.name,
            "Coopérative Atlas — تعاونية الأطلس"
        );
    }
}

#[test]
fn coop_add_then_device_code_and_errors_go_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let added = hanout_market(
        dir.path(),
        &[
            "coop",
            "add",
            "--slug",
            "rif",
            "--name",
            "Coopérative du Rif",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    printed_code(&hanout_market(dir.path(), &["device", "code", "rif"]));

    let unknown = hanout_market(dir.path(), &["device", "code", "nowhere"]);
    assert!(!unknown.status.success());
    assert!(unknown.stdout.is_empty());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nowhere"));

    let taken = hanout_market(
        dir.path(),
        &["coop", "add", "--slug", "rif", "--name", "Again"],
    );
    assert!(!taken.status.success());
}

#[test]
fn the_data_directory_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hanout-market"))
        .arg("demo")
        .env("HANOUT_MARKET_DATA", dir.path())
        .output()
        .unwrap();
    printed_code(&output);
    assert!(dir.path().join("market.db").exists());
}

/// `serve` prints its address once bound, answers, and exits cleanly on
/// SIGTERM.
#[cfg(unix)]
#[tokio::test]
async fn serve_announces_its_address_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Serving::start(hanout_market_command(&["--data"]).arg(dir.path()).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]));

    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), StatusCode::OK.as_u16());
    assert_eq!(health.text().await.unwrap(), "ok");

    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[track_caller]
fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// `serve --moderation manual` holds a pushed listing until `listing
/// approve`; `listing reject` reaches the device through pull; `device list`
/// shows the enrolled device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_moderation_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    // Not `demo`: its catalog would fill the queue's cooperative.
    let added = hanout_market(
        dir.path(),
        &[
            "coop",
            "add",
            "--slug",
            "atlas",
            "--name",
            "Coopérative Atlas",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    let code = printed_code(&hanout_market(dir.path(), &["device", "code", "atlas"]));
    let server = Serving::start(hanout_market_command(&["--data"]).arg(dir.path()).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--moderation",
        "manual",
    ]));
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let enrolled = http_enroll(&client, &base, code).await;
    let listed = stdout_of(&hanout_market(dir.path(), &["device", "list", "atlas"]));
    assert!(
        listed.starts_with(&format!(
            "{}\tatlas\tactive\tFatima's laptop",
            enrolled.device_id
        )),
        "{listed:?}"
    );

    let (kept, refused) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let changes = vec![upsert(kept, "Tapis", 100, 1), upsert(refused, "Bol", 50, 1)];
    http_push(&client, &base, &enrolled.token, changes).await;
    let catalog = || async {
        let page: CatalogPage = http_get(&client, &base, "/v1/catalog").await;
        page.listings.iter().map(|l| l.id).collect::<Vec<_>>()
    };
    assert!(catalog().await.is_empty());
    let queue = stdout_of(&hanout_market(dir.path(), &["listing", "pending"]));
    let queued: Vec<&str> = queue
        .lines()
        .map(|line| line.split('\t').next().unwrap())
        .collect();
    assert_eq!(queued, [kept.to_string(), refused.to_string()], "{queue:?}");
    assert!(
        queue.lines().next().unwrap().ends_with("\tTapis"),
        "{queue:?}"
    );

    stdout_of(&hanout_market(
        dir.path(),
        &["listing", "approve", &kept.to_string(), "--by", "Amina"],
    ));
    let history = stdout_of(&hanout_market(
        dir.path(),
        &["listing", "history", &kept.to_string()],
    ));
    let lines: Vec<Vec<&str>> = history.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{history:?}");
    assert_eq!(
        lines[0][1..4],
        [
            &*format!("device {}", enrolled.device_id),
            "submitted",
            "Pending"
        ]
    );
    assert_eq!(lines[1][1..4], ["Amina", "approved", "Approved"]);
    let purged = stdout_of(&hanout_market(
        dir.path(),
        &["photo", "purge", &"ab".repeat(32), "--reason", "copyright"],
    ));
    assert_eq!(
        purged,
        format!("purged photo {} from 0 listing(s)\n", "ab".repeat(32))
    );
    stdout_of(&hanout_market(
        dir.path(),
        &[
            "listing",
            "reject",
            &refused.to_string(),
            "--reason",
            "Prix manquant",
        ],
    ));
    assert_eq!(catalog().await, [kept]);
    let pulled: PullResponse = client
        .get(format!("{base}/v1/pull"))
        .bearer_auth(&enrolled.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reasons: Vec<_> = pulled
        .changes
        .iter()
        .map(|c| (c.listing_id, c.rejection_reason.as_deref()))
        .collect();
    assert_eq!(reasons, [(kept, None), (refused, Some("Prix manquant"))]);

    let no_reason = hanout_market(dir.path(), &["listing", "reject", &kept.to_string()]);
    assert!(!no_reason.status.success());

    let device_id = enrolled.device_id.to_string();
    stdout_of(&hanout_market(
        dir.path(),
        &["device", "revoke", &device_id],
    ));
    let listed = stdout_of(&hanout_market(dir.path(), &["device", "list"]));
    assert!(
        listed.contains(&format!("{device_id}\tatlas\trevoked\t")),
        "{listed:?}"
    );
    let refused = client
        .get(format!("{base}/v1/pull"))
        .bearer_auth(&enrolled.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
}

/// `serve --trusted-proxy`: behind that proxy, each client's address comes
/// from `X-Forwarded-For`, so one client locking itself out of enrollment
/// does not lock out the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_believes_forwarded_addresses_from_its_trusted_proxy_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Serving::start(hanout_market_command(&["--data"]).arg(dir.path()).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--trusted-proxy",
        "127.0.0.1",
    ]));
    let client = reqwest::Client::new();
    let attempt = |forwarded: &'static str| {
        client
            .post(format!("{}/v1/enroll", server.base))
            .header("x-forwarded-for", forwarded)
            .json(&EnrollRequest {
                code: "0000-0000".to_owned(),
                device_name: "laptop".to_owned(),
                device_key: None,
            })
            .send()
    };
    let burst = market::Config::default().enroll_rate.burst;
    for _ in 0..burst {
        assert_eq!(attempt("203.0.113.7").await.unwrap().status(), 401);
    }
    assert_eq!(attempt("203.0.113.7").await.unwrap().status(), 429);
    assert_eq!(attempt("203.0.113.8").await.unwrap().status(), 401);
}
