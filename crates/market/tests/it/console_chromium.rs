//! The console in a real headless Chromium, driven through chromedriver
//! (WebDriver): an operator follows the setup link, signs in, works the
//! queue (bulk approve, reject from a preview with a reason), and the
//! decisions reach the cooperative's device on its next pull; a forged
//! form (token changed in the page, or posted from another page) is
//! refused; a moderator cannot reach admin actions, even with a
//! hand-made request; the Arabic console is right to left and fits a
//! phone's screen.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use market::ModerationPolicy;
use market::admin::{self, OperatorRole};
use protocol::ModerationState;
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::console::serve;
use crate::{test_market_with, upsert};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long an element may take to appear (a hang guard, not a speed check).
const HANG_GUARD: Duration = Duration::from_secs(60);

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} is missing: run `cargo xtask setup` (apt chromium-driver)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Driver {
            child,
            port,
            _profile: tempfile::tempdir().unwrap(),
        }
    }

    async fn connect(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--no-first-run",
                    format!("--user-data-dir={}", self._profile.path().display()),
                    "--window-size=1200,900"
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let started = Instant::now();
        loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return client,
                Err(err) if started.elapsed() < HANG_GUARD => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => panic!("no WebDriver session on {url}: {err}"),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn text(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(HANG_GUARD)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("no `{css}`: {err}"))
        .text()
        .await
        .unwrap()
}

async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(HANG_GUARD)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("no `{css}`: {err}"))
        .click()
        .await
        .unwrap();
}

async fn fill(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(value)
        .await
        .unwrap();
}

/// Waits until the browser is on a page whose path and query end with `path`.
async fn wait_path(client: &Client, path: &str) {
    let started = Instant::now();
    loop {
        let url = client.current_url().await.unwrap();
        let here = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        if here.ends_with(path) {
            return;
        }
        assert!(started.elapsed() < HANG_GUARD, "still on {url}, not {path}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn moderation_of(t: &crate::TestMarket, token: &str, id: Uuid) -> (ModerationState, String) {
    let pulled = t.pull(token, None, None).await;
    let change = pulled.changes.iter().find(|c| c.listing_id == id).unwrap();
    (
        change.moderation,
        change.rejection_reason.clone().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_works_the_queue_in_chromium() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let [rug, lamp, pot, oil] = [(); 4].map(|()| Uuid::now_v7());
    t.push(
        &device.token,
        vec![
            upsert(rug, "Tapis Beni Ouarain", 450_000, 1),
            upsert(lamp, "Lanterne en cuivre", 60_000, 1),
            upsert(pot, "Tajine de Safi", 25_000, 2),
            upsert(oil, "Huile d'argan 250 ml", 12_000, 3),
        ],
    )
    .await;
    let base = serve(&t).await;
    let setup =
        admin::add_operator(&t.market, "salma@chambre.ma", OperatorRole::Moderator).unwrap();
    let driver = Driver::start();
    let client = driver.connect().await;

    // The setup link: a password, then the queue.
    client
        .goto(&format!("{base}/admin/setup/{setup}?lang=fr"))
        .await
        .unwrap();
    fill(&client, "#password", "argan oil from Taroudant").await;
    fill(&client, "#again", "argan oil from Taroudant").await;
    click(&client, "#save").await;
    wait_path(&client, "/admin/queue").await;
    assert!(text(&client, "#tab-waiting").await.contains("(4)"));

    // Bulk: tick the rug and the lamp, approve both.
    for id in [rug, lamp] {
        click(&client, &format!("tr[data-id='{id}'] input[type=checkbox]")).await;
    }
    click(&client, "#approve-selected").await;
    wait_path(&client, "/admin/queue?tab=waiting").await;
    assert!(text(&client, "#tab-waiting").await.contains("(2)"));

    // The tajine from its preview: rejected with a reason from the list.
    client
        .goto(&format!("{base}/admin/listings/{pot}"))
        .await
        .unwrap();
    assert!(text(&client, "#preview").await.contains("Tajine de Safi"));
    client
        .find(Locator::Css("#reason option[value='photo_quality']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&client, "#note", "Reprenez-la en plein jour").await;
    click(&client, "#reject").await;
    wait_path(&client, "/admin/queue?tab=waiting").await;

    // The decisions reach the device.
    for id in [rug, lamp] {
        assert_eq!(
            moderation_of(&t, &device.token, id).await.0,
            ModerationState::Approved
        );
    }
    let (state, reason) = moderation_of(&t, &device.token, pot).await;
    assert_eq!(state, ModerationState::Rejected);
    assert!(reason.contains("La photo est floue"), "{reason}");
    assert!(reason.contains("الصورة غير واضحة"), "{reason}");
    assert!(reason.contains("Reprenez-la en plein jour"), "{reason}");

    // A forged form: the page's token replaced before sending.
    client
        .goto(&format!("{base}/admin/listings/{oil}"))
        .await
        .unwrap();
    client
        .execute(
            "document.querySelector('#decide input[name=csrf]').value = 'forged'",
            vec![],
        )
        .await
        .unwrap();
    click(&client, "#approve").await;
    let refused = text(&client, "#message").await;
    assert!(
        refused.contains("ne vient pas de cette console"),
        "refused in the console's language: {refused}"
    );
    // A form on another site's page (another port of this machine, with no
    // token to copy) posting to the console.
    let evil = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let evil_base = format!("http://{}", evil.local_addr().unwrap());
    let form = format!(
        "<!doctype html><form method=post action='{base}/admin/decide'>\
         <input type=hidden name=id value='{oil}'><input type=hidden name=action value=approve>\
         <button id=go>Win a prize</button></form>"
    );
    let evil_app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(form) }),
    );
    tokio::spawn(async move { axum::serve(evil, evil_app).await });
    client.goto(&evil_base).await.unwrap();
    click(&client, "#go").await;
    text(&client, "#message").await;
    assert_eq!(
        moderation_of(&t, &device.token, oil).await.0,
        ModerationState::Pending,
        "neither forged form decided anything"
    );

    // A moderator sees no admin page and cannot post to one by hand.
    client
        .goto(&format!("{base}/admin/operators"))
        .await
        .unwrap();
    assert!(text(&client, "#message").await.contains("administrateurs"));
    client.goto(&format!("{base}/admin/queue")).await.unwrap();
    // (The CSP allows no fetch: a form made in the page, with the
    // session's real token.)
    client
        .execute(
            "const form = document.createElement('form');
             form.method = 'post';
             form.action = arguments[0];
             const csrf = document.createElement('input');
             csrf.name = 'csrf';
             csrf.value = document.querySelector('input[name=csrf]').value;
             form.appendChild(csrf);
             document.body.appendChild(form);
             form.submit();",
            vec![serde_json::json!(format!(
                "/admin/devices/{}/revoke",
                device.device_id
            ))],
        )
        .await
        .unwrap();
    wait_path(&client, "/revoke").await;
    assert!(text(&client, "#message").await.contains("administrateurs"));
    t.pull(&device.token, None, None).await;

    // Arabic: right to left, and it fits a phone's screen.
    client
        .goto(&format!("{base}/admin/queue?lang=ar"))
        .await
        .unwrap();
    wait_path(&client, "/admin/queue?tab=waiting").await;
    assert!(text(&client, "#tab-waiting").await.contains("في الانتظار"));
    client.set_window_size(390, 844).await.unwrap();
    let layout = client
        .execute(
            "return [document.documentElement.dir,
                     document.documentElement.scrollWidth <= window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(layout, serde_json::json!(["rtl", true]));

    // Signed out, then in again through the login form.
    click(&client, "header form button").await;
    wait_path(&client, "/admin/login").await;
    fill(&client, "#email", "salma@chambre.ma").await;
    fill(&client, "#password", "argan oil from Taroudant").await;
    click(&client, "#sign-in").await;
    wait_path(&client, "/admin/queue").await;
    client.close().await.unwrap();
}
