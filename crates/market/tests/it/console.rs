//! The operators' console over real HTTP (a listening server, cookies as a
//! browser keeps them): setting up an account, signing in, the login rate
//! limit, CSRF, roles, and the admins' actions reaching devices.
//! `console_chromium.rs` drives the same pages in a real Chromium.

use std::collections::HashMap;
use std::net::SocketAddr;

use market::ModerationPolicy;
use market::admin::{self, OperatorRole};
use protocol::ModerationState;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::{TestMarket, test_market_with, upsert};

/// A browser's worth of HTTP: no redirects followed, cookies kept.
pub(crate) struct Browser {
    client: reqwest::Client,
    pub base: String,
    cookies: HashMap<String, String>,
    /// Every `Set-Cookie` line seen, for checking attributes.
    pub set_cookie_lines: Vec<String>,
}

pub(crate) struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub(crate) fn new(base: &str) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: HashMap::new(),
            set_cookie_lines: Vec::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let jar = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = if jar.is_empty() {
            request
        } else {
            request.header(COOKIE, jar)
        };
        let response = request.send().await.unwrap();
        for line in response.headers().get_all(SET_COOKIE) {
            let line = line.to_str().unwrap().to_owned();
            let (pair, _) = line.split_once(';').unwrap_or((&line, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
            self.set_cookie_lines.push(line);
        }
        Answer {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Answer {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.send(request).await
    }

    /// The value of the first `<input name="csrf" value="…">` of a page.
    pub(crate) fn csrf(page: &str) -> String {
        let at = page
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF token");
        let rest = &page[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// Follows a setup link and chooses `password`: signed in.
    pub(crate) async fn set_up(&mut self, token: &str, password: &str) {
        let answer = self
            .post(
                &format!("/admin/setup/{token}"),
                &[("password", password), ("again", password)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        assert_eq!(answer.location.as_deref(), Some("/admin/queue"));
    }

    /// Signs in through the login form; returns the answer to the POST.
    pub(crate) async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let page = self.get("/admin/login").await;
        let csrf = Self::csrf(&page.body);
        self.post(
            "/admin/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }
}

/// The app listening on loopback with client addresses (the login rate
/// limit keys on them); stops with the test.
pub(crate) async fn serve(t: &TestMarket) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = market::app(t.market.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

const PASSWORD: &str = "argan oil from Taroudant";

#[tokio::test]
async fn an_operator_sets_up_signs_in_and_out() {
    let t = test_market_with(ModerationPolicy::Manual);
    let base = serve(&t).await;
    let token = admin::add_operator(&t.market, "Amina@Chambre.ma", OperatorRole::Admin).unwrap();
    let mut browser = Browser::new(&base);

    let answer = browser.get("/admin/queue").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location.as_deref(), Some("/admin/login"));

    let page = browser.get(&format!("/admin/setup/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("amina@chambre.ma"), "{}", page.body);
    let differ = browser
        .post(
            &format!("/admin/setup/{token}"),
            &[("password", PASSWORD), ("again", "something else entirely")],
        )
        .await;
    assert_eq!(differ.status, StatusCode::BAD_REQUEST);
    let short = browser
        .post(
            &format!("/admin/setup/{token}"),
            &[("password", "short"), ("again", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    browser.set_up(&token, PASSWORD).await;
    let session_line = browser
        .set_cookie_lines
        .iter()
        .find(|l| l.starts_with("hanout_admin="))
        .unwrap()
        .clone();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/admin"] {
        assert!(session_line.contains(attribute), "{session_line}");
    }
    let queue = browser.get("/admin/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("amina@chambre.ma"));

    // The link works once.
    let again = browser.get(&format!("/admin/setup/{token}")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // Signing out ends the session on the server, not only in the browser.
    let stolen = browser.cookies["hanout_admin"].clone();
    let csrf = Browser::csrf(&queue.body);
    let out = browser.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/admin/login"));
    let mut thief = Browser::new(&base);
    thief.cookies.insert("hanout_admin".to_owned(), stolen);
    assert_eq!(
        thief.get("/admin/queue").await.status,
        StatusCode::SEE_OTHER
    );

    // In again with the password (the email in any case).
    let answer = browser.sign_in("AMINA@chambre.ma", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(browser.get("/admin/queue").await.status, StatusCode::OK);

    let log = browser.get("/admin/audit").await.body;
    for action in ["operator.add", "operator.password_set", "operator.login"] {
        assert!(log.contains(action), "{action} missing from the audit log");
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_rate_limited() {
    let t = test_market_with(ModerationPolicy::Manual);
    let base = serve(&t).await;
    let token = admin::add_operator(&t.market, "amina@chambre.ma", OperatorRole::Admin).unwrap();
    let mut browser = Browser::new(&base);
    browser.set_up(&token, PASSWORD).await;

    let mut stranger = Browser::new(&base);
    // A login form posted without its cookie (from another site's page).
    let forged = stranger
        .post(
            "/admin/login",
            &[
                ("csrf", "x"),
                ("email", "amina@chambre.ma"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    for _ in 0..5 {
        let answer = stranger
            .sign_in("amina@chambre.ma", "not the password")
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(!stranger.cookies.contains_key("hanout_admin"));
    }
    // The sixth try is refused before the password is even checked — the
    // right one too.
    let answer = stranger.sign_in("amina@chambre.ma", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!stranger.cookies.contains_key("hanout_admin"));
    // An unknown email is answered like a wrong password.
    let mut other = Browser::new(&base);
    let unknown = other.sign_in("nobody@chambre.ma", PASSWORD).await;
    assert_eq!(
        unknown.status,
        StatusCode::TOO_MANY_REQUESTS,
        "same address"
    );

    // A minute later, one more try.
    t.now_ms
        .fetch_add(61_000, std::sync::atomic::Ordering::SeqCst);
    let answer = stranger.sign_in("amina@chambre.ma", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
}

#[tokio::test]
async fn forms_without_the_session_token_are_refused() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let base = serve(&t).await;
    let token =
        admin::add_operator(&t.market, "amina@chambre.ma", OperatorRole::Moderator).unwrap();
    let mut browser = Browser::new(&base);
    browser.set_up(&token, PASSWORD).await;
    let id_text = id.to_string();
    for csrf in ["", "0000", "forged"] {
        let answer = browser
            .post(
                "/admin/decide",
                &[("csrf", csrf), ("id", &id_text), ("action", "approve")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "csrf {csrf:?}");
    }
    let pulled = t.pull(&device.token, None, None).await;
    assert_eq!(pulled.changes[0].moderation, ModerationState::Pending);

    // With it, the decision is made and reaches the device.
    let queue = browser.get("/admin/queue").await;
    let csrf = Browser::csrf(&queue.body);
    let answer = browser
        .post(
            "/admin/decide",
            &[("csrf", &csrf), ("id", &id_text), ("action", "approve")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let pulled = t.pull(&device.token, None, None).await;
    assert_eq!(pulled.changes[0].moderation, ModerationState::Approved);
}

#[tokio::test]
async fn roles_are_enforced_on_the_server() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let base = serve(&t).await;
    let moderator =
        admin::add_operator(&t.market, "salma@chambre.ma", OperatorRole::Moderator).unwrap();
    let mut browser = Browser::new(&base);
    browser.set_up(&moderator, PASSWORD).await;
    let csrf = Browser::csrf(&browser.get("/admin/queue").await.body);

    for page in ["/admin/cooperatives", "/admin/operators", "/admin/audit"] {
        assert_eq!(
            browser.get(page).await.status,
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }
    let revoke = format!("/admin/devices/{}/revoke", device.device_id);
    let forbidden = [
        (revoke.as_str(), vec![("csrf", csrf.as_str())]),
        (
            "/admin/cooperatives/atlas/code",
            vec![("csrf", csrf.as_str())],
        ),
        (
            "/admin/operators",
            vec![
                ("csrf", csrf.as_str()),
                ("email", "me2@chambre.ma"),
                ("role", "admin"),
            ],
        ),
    ];
    for (path, form) in &forbidden {
        assert_eq!(
            browser.post(path, form).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Nothing happened: the device still works, no operator was added.
    t.pull(&device.token, None, None).await;
    assert_eq!(admin::list_operators(&t.market).unwrap().len(), 1);
}

#[tokio::test]
async fn admins_manage_devices_codes_and_operators() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let base = serve(&t).await;
    let token = admin::add_operator(&t.market, "amina@chambre.ma", OperatorRole::Admin).unwrap();
    let mut browser = Browser::new(&base);
    browser.set_up(&token, PASSWORD).await;
    let page = browser.get("/admin/cooperatives").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("laptop of atlas"));
    let csrf = Browser::csrf(&page.body);

    // A new enrollment code, shown once, enrolls a device.
    let answer = browser
        .post("/admin/cooperatives/atlas/code", &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let at = answer.body.find("id=\"copy\">").unwrap() + "id=\"copy\">".len();
    let code = answer.body[at..at + 9].to_owned();
    let client = reqwest::Client::new();
    let second = crate::http_enroll(&client, &base, code).await;
    assert_eq!(second.cooperative.slug, "atlas");

    // Revoking the first device: its token stops working.
    let answer = browser
        .post(
            &format!("/admin/devices/{}/revoke", device.device_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let status = client
        .get(format!("{base}/v1/pull"))
        .bearer_auth(&device.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An operator added from the console gets a working setup link.
    let answer = browser
        .post(
            "/admin/operators",
            &[
                ("csrf", &csrf),
                ("email", "salma@chambre.ma"),
                ("role", "moderator"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let link_at = answer.body.find("/admin/setup/").unwrap() + "/admin/setup/".len();
    let setup = answer.body[link_at..link_at + 64].to_owned();
    let mut salma = Browser::new(&base);
    salma.set_up(&setup, PASSWORD).await;
    // Disabled: her session ends at once.
    let answer = browser
        .post(
            "/admin/operators/disable",
            &[("csrf", &csrf), ("email", "salma@chambre.ma")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        salma.get("/admin/queue").await.status,
        StatusCode::SEE_OTHER
    );

    let log = browser.get("/admin/audit").await.body;
    for action in [
        "cooperative.enrollment_code",
        "device.revoke",
        "operator.add",
        "operator.disable",
    ] {
        assert!(log.contains(action), "{action} missing from the audit log");
    }
}

#[tokio::test]
async fn the_operator_command_prints_a_setup_link_that_works() {
    let t = test_market_with(ModerationPolicy::Manual);
    let run = |args: &[&str]| {
        let output = t
            .command(args)
            .env_remove("HANOUT_MARKET_PUBLIC_URL")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let printed = run(&[
        "operator",
        "add",
        "youssef@chambre.ma",
        "--role",
        "admin",
        "--public-url",
        "https://souk.example.org/",
    ]);
    let token = printed
        .trim_end()
        .strip_prefix("https://souk.example.org/admin/setup/")
        .unwrap_or_else(|| panic!("{printed:?}"));
    assert!(token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        run(&["operator", "list"]),
        "youssef@chambre.ma\tadmin\tnot set up\n"
    );
    let base = serve(&t).await;
    let mut browser = Browser::new(&base);
    browser.set_up(token, PASSWORD).await;
    assert_eq!(
        run(&["operator", "list"]),
        "youssef@chambre.ma\tadmin\tactive\n"
    );
    run(&["operator", "disable", "youssef@chambre.ma"]);
    assert_eq!(
        browser.get("/admin/queue").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        run(&["operator", "list"]),
        "youssef@chambre.ma\tadmin\tdisabled\n"
    );
}
