//! A new listing with three photos, by keyboard and mouse, in the real
//! window: typed in the quick form, opened in the editor, photos dropped
//! on it from the file manager (the drag-and-drop event the system sends
//! is emitted from the page, as WebDriver cannot drag files from outside),
//! then put in order by keyboard, a cover chosen by a click, one taken
//! off. The new order is what the catalog keeps, and what syncs. The time
//! the flow takes is printed (the issue asks for under a minute for a
//! person; this measures the app's share of it).

use e2e::{TauriDriver, app_env, click, keys, press, type_into, wait_focus, wait_for};

const ENTER: &str = "\u{E007}";
const ALT: char = '\u{E00A}';
const ARROW_LEFT: char = '\u{E012}';
const DELETE: char = '\u{E017}';

async fn tile_order(client: &fantoccini::Client) -> Vec<String> {
    let order = client
        .execute(
            "return [...document.querySelectorAll('[data-testid=photo-tile]')].map((t) => t.dataset.sha);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(order).unwrap()
}

async fn wait_order(client: &fantoccini::Client, want: &[String]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let order = tile_order(client).await;
        if order == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{order:?}, wanted {want:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn focus_tile(client: &fantoccini::Client, at: usize) {
    client
        .execute(
            "document.querySelectorAll('[data-testid=photo-tile]')[arguments[0]].focus();",
            vec![at.into()],
        )
        .await
        .unwrap();
}

#[allow(clippy::print_stderr)] // the figure the issue asks for, in the test's output
#[tokio::test(flavor = "multi_thread")]
async fn a_listing_with_three_photos_arranged_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<std::path::PathBuf> = (0..3u8)
        .map(|n| {
            let path = dir.path().join(format!("souk-{n}.jpg"));
            image::RgbImage::from_fn(2400, 1600, |x, y| {
                image::Rgb([(x % 256) as u8, (y % 256) as u8, 80 * n])
            })
            .save(&path)
            .unwrap();
            path
        })
        .collect();
    let driver = TauriDriver::start(&app_env(dir.path(), &[]));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for(&client, "[data-testid=title-input]").await;
    let started = std::time::Instant::now();

    // The listing, by keyboard.
    type_into(&client, "[data-testid=title-input]", "Plateau en cuivre").await;
    type_into(&client, "[data-testid=price-input]", &format!("450{ENTER}")).await;
    let row = wait_for(&client, "[data-testid=listing]").await;
    let id = row.attr("data-id").await.unwrap().unwrap();
    click(&client, "[data-testid=edit-listing]").await;
    // Listening for files dragged onto the window.
    wait_for(
        &client,
        "[data-testid=photo-manager][data-count='0'][data-drop-ready=true]",
    )
    .await;

    // Three photos dropped on the window while the editor is open.
    let dropped = client
        .execute_async(
            r#"const [paths, done] = arguments;
               const emit = (event, payload) =>
                 window.__TAURI_INTERNALS__.invoke("plugin:event|emit", { event, payload });
               emit("tauri://drag-over", { position: { x: 200, y: 300 } })
                 .then(() => emit("tauri://drag-drop", { paths, position: { x: 200, y: 300 } }))
                 .then(() => done({ ok: true }), (e) => done({ err: String(e) }));"#,
            vec![serde_json::json!(files)],
        )
        .await
        .unwrap();
    assert!(dropped.get("err").is_none(), "{dropped}");
    wait_for(&client, "[data-testid=photo-manager][data-count='3']").await;
    let imported = tile_order(&client).await;
    assert_eq!(imported.len(), 3);
    let [a, b, c] = [&imported[0], &imported[1], &imported[2]].map(String::clone);

    // The third photo one place earlier, by keyboard.
    focus_tile(&client, 2).await;
    press(&client, &format!("{ALT}{ARROW_LEFT}{}", keys::RELEASE)).await;
    wait_order(&client, &[a.clone(), c.clone(), b.clone()]).await;
    // The last one made the cover, by a click.
    let covers = client
        .find_all(fantoccini::Locator::Css("[data-testid=photo-make-cover]"))
        .await
        .unwrap();
    covers.last().unwrap().click().await.unwrap();
    wait_order(&client, &[b.clone(), a.clone(), c.clone()]).await;
    // The grid shows the order at once and gives focus to the new cover
    // once the store has it: only then is focus moved on (else the Delete
    // below can reach the cover).
    wait_focus(
        &client,
        &format!("[data-testid=photo-tile][data-sha='{b}']"),
    )
    .await;
    // The middle one taken off with Delete.
    focus_tile(&client, 1).await;
    press(&client, &DELETE.to_string()).await;
    wait_order(&client, &[b.clone(), c.clone()]).await;
    let cover = wait_for(&client, "[data-testid=photo-tile][data-cover=true]").await;
    assert_eq!(
        cover.attr("data-sha").await.unwrap().as_deref(),
        Some(b.as_str())
    );
    let took = started.elapsed();
    eprintln!("a listing with three photos, arranged: {took:.1?} in the app");

    // What the catalog keeps, read through the same command the grid uses.
    let kept = client
        .execute_async(
            r#"const [id, done] = arguments;
               window.__TAURI_INTERNALS__.invoke("listing_photos", { id })
                 .then((r) => done(r.map((p) => p.sha256)), (e) => done({ err: e }));"#,
            vec![id.clone().into()],
        )
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!([b, c]));
    wait_for(
        &client,
        "[data-testid=listing] [data-testid=photo-count][data-count='2']",
    )
    .await;
    client.close().await.unwrap();
    drop(driver);
}
