//! Harness for end-to-end tests: starts `tauri-driver` (which starts
//! `WebKitWebDriver`, which starts the real `hanout-app` binary) and
//! connects a WebDriver client to it.
//!
//! Needs a display (`xvfb-run`), `tauri-driver` on PATH and a built
//! `hanout-app` next to this test binary: `cargo xtask test` does all three.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// The `hanout-app` binary of this build (`target/<profile>/hanout-app`).
pub fn app_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/e2e-… → target/debug/hanout-app
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir")
        .join("hanout-app");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p hanout-app` first (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// The `hanout` CLI of this build, next to `hanout-app`: the cooperative's
/// other laptop in the tests that need one.
pub fn cli_binary() -> PathBuf {
    let bin = app_binary().with_file_name("hanout");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p cli` first (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// A running tauri-driver, killed with its whole process group on drop
/// (killing only tauri-driver leaves WebKitWebDriver holding the pipes).
pub struct TauriDriver {
    child: Child,
    pub port: u16,
}

impl TauriDriver {
    /// Starts tauri-driver; `env` reaches the app through WebKitWebDriver.
    pub fn start(env: &[(&str, String)]) -> TauriDriver {
        let port = free_port();
        let native_port = free_port();
        let mut command = Command::new("tauri-driver");
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .expect("tauri-driver on PATH (cargo xtask setup installs it)");
        TauriDriver { child, port }
    }

    /// Opens a WebDriver session on the app, retrying while the driver starts.
    pub async fn connect(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary().to_string_lossy() }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("could not open a WebDriver session on {url}: {e}"),
            }
        }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let pgid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{pgid}")])
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits for the element matching `css`. Elements appear asynchronously: never find once.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(60))
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

/// Waits until nothing matches `css` any more.
pub async fn wait_gone(client: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        if found == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element matching `css` once it appears. It is scrolled into
/// view first: WebKitWebDriver does not scroll inside the app's scrolling
/// panes, and refuses (with an empty message) to click outside the view.
pub async fn click(client: &Client, css: &str) {
    let element = wait_for(client, css).await;
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' });",
            vec![serde_json::to_value(&element).expect("element as JSON")],
        )
        .await
        .unwrap_or_else(|e| panic!("could not scroll to {css}: {e}"));
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
}

/// Types `text` into the element matching `css` once it appears.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("could not type into {css}: {e}"));
}

/// The environment of an app keeping its data in `<dir>/app`, retrying
/// sync every half second at most, plus `extra`.
pub fn app_env<'a>(dir: &std::path::Path, extra: &[(&'a str, String)]) -> Vec<(&'a str, String)> {
    let mut env = vec![
        (
            "HANOUT_DATA_DIR",
            dir.join("app").to_string_lossy().into_owned(),
        ),
        ("HANOUT_SYNC_RETRY_MAX_MS", "500".to_owned()),
    ];
    env.extend_from_slice(extra);
    env
}

/// WebDriver key codes for [`press`].
pub mod keys {
    pub const CONTROL: char = '\u{E009}';
    pub const ESCAPE: char = '\u{E00C}';
    /// Releases the modifiers held so far.
    pub const RELEASE: char = '\u{E000}';
}

/// Types `keys` into whatever has focus, as the user's keyboard would.
pub async fn press(client: &Client, keys: &str) {
    client
        .active_element()
        .await
        .expect("an element has focus")
        .send_keys(keys)
        .await
        .unwrap_or_else(|e| panic!("could not press {keys:?}: {e}"));
}

/// Ctrl + `key` on whatever has focus.
pub async fn press_ctrl(client: &Client, key: char) {
    press(client, &format!("{}{key}{}", keys::CONTROL, keys::RELEASE)).await;
}

/// Waits until the focused element matches `css`.
pub async fn wait_focus(client: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let matches = client
            .execute(
                "return document.activeElement !== null && document.activeElement.matches(arguments[0]);",
                vec![css.into()],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if matches {
            return;
        }
        let focused = client
            .execute(
                "const e = document.activeElement; return e ? e.outerHTML.slice(0, 200) : null;",
                vec![],
            )
            .await
            .ok();
        assert!(
            Instant::now() < deadline,
            "focus never reached {css}; it is on {focused:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until exactly `n` elements match `css`.
pub async fn wait_count(client: &Client, css: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        if found == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css}: {found} found, {n} wanted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Picks `value` in the `<select>` matching `css`.
pub async fn select(client: &Client, css: &str, value: &str) {
    wait_for(client, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("could not pick {value:?} in {css}: {e}"));
}

/// Calls an app command from inside the page, as a button does once a
/// system dialog (which WebDriver cannot drive) has chosen a file:
/// `{"ok": result}` or `{"err": error}`.
pub async fn invoke(client: &Client, command: &str, args: serde_json::Value) -> serde_json::Value {
    client
        .execute_async(
            r#"const [command, args, done] = arguments;
               window.__TAURI_INTERNALS__.invoke(command, args)
                 .then((r) => done({ ok: r === undefined ? null : r }), (e) => done({ err: e }));"#,
            vec![command.into(), args],
        )
        .await
        .unwrap()
}

/// The attribute `name` of the first element matching `css`, once there.
pub async fn attr(client: &Client, css: &str, name: &str) -> String {
    wait_for(client, css)
        .await
        .attr(name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{css} has no {name}"))
}
