//! Printing at the stand, in the real app: the labels of the listings in
//! the list and the Arabic catalogue previewed in the window (pages drawn
//! by the same layout as the PDF), then the labels saved as a PDF whose
//! text poppler reads back. (The system's save dialog cannot be driven by
//! WebDriver, so the test calls the command the dialog's button calls,
//! from inside the page.)

use e2e::{TauriDriver, app_env, click, select, type_into, wait_count, wait_for};

/// Waits until the preview's first page is decoded by the webview (the
/// content security policy lets it in, and it is a valid image).
async fn first_page_drawn(client: &fantoccini::Client) -> (u64, u64) {
    wait_for(client, "[data-testid=print-page]").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let size = client
            .execute(
                "const img = document.querySelector('[data-testid=print-page]');
                 return img && img.complete ? [img.naturalWidth, img.naturalHeight] : null;",
                vec![],
            )
            .await
            .unwrap();
        if let Some([w, h]) = size.as_array().map(|a| [a[0].as_u64(), a[1].as_u64()])
            && let (Some(w), Some(h)) = (w, h)
            && w > 0
        {
            return (w, h);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no page drawn: {size}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn labels_and_the_catalogue_are_previewed_and_saved_as_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let driver = TauriDriver::start(&app_env(dir.path(), &[]));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    for (title, price) in [("Tapis Azilal", "3200"), ("Huile d'argan", "180")] {
        type_into(&client, "[data-testid=title-input]", title).await;
        type_into(&client, "[data-testid=price-input]", price).await;
        click(&client, "[data-testid=save-button]").await;
    }
    wait_count(&client, "[data-testid=listing]", 2).await;
    wait_for(&client, "[data-testid=print-scope][data-count='2']").await;

    // 3 labels of each on the A4 sheet of 24: 6 labels, one page.
    select(&client, "[data-testid=print-layout]", "a4_3x8").await;
    let copies = wait_for(&client, "[data-testid=print-copies]").await;
    copies.clear().await.unwrap();
    copies.send_keys("3").await.unwrap();
    click(&client, "[data-testid=print-preview]").await;
    wait_for(
        &client,
        "[data-testid=print-summary][data-items='6'][data-pages='1']",
    )
    .await;
    let (w, h) = first_page_drawn(&client).await;
    let ratio = h as f64 / w as f64;
    assert!((ratio - 297.0 / 210.0).abs() < 0.01, "an A4 page: {w}×{h}");

    // The thermal printer: one label a page, six pages, two drawn.
    select(&client, "[data-testid=print-layout]", "thermal_58x40").await;
    click(&client, "[data-testid=print-preview]").await;
    wait_for(
        &client,
        "[data-testid=print-summary][data-items='6'][data-pages='6']",
    )
    .await;
    wait_count(&client, "[data-testid=print-page]", 2).await;

    // The Arabic catalogue of both listings (drafts are not printed; the
    // quick form's listings are for sale).
    click(&client, "[data-testid=print-catalogue]").await;
    select(&client, "[data-testid=print-edition]", "ar").await;
    click(&client, "[data-testid=print-preview]").await;
    wait_for(&client, "[data-testid=print-summary][data-items='2']").await;
    first_page_drawn(&client).await;

    // Saved as the dialog's button saves it.
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for row in client
            .find_all(fantoccini::Locator::Css("[data-testid=listing]"))
            .await
            .unwrap()
        {
            ids.push(row.attr("data-id").await.unwrap().unwrap());
        }
        ids
    };
    let pdf = dir.path().join("étiquettes.pdf");
    let saved = client
        .execute_async(
            r#"const [ids, path, done] = arguments;
               window.__TAURI_INTERNALS__
                 .invoke("save_print", { job: { kind: "labels", ids, copies: 1, layout: "a4_2x7" }, path })
                 .then((r) => done({ ok: r }), (e) => done({ err: e }));"#,
            vec![serde_json::json!(ids), serde_json::json!(pdf)],
        )
        .await
        .unwrap();
    assert!(saved.get("err").is_none(), "{saved}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(saved["ok"].as_u64(), Some(bytes.len() as u64));
    let text = test_support::pdf::text(&pdf, &[]);
    for needle in ["Tapis Azilal", "argan", "3200.00 MAD", "180.00 MAD"] {
        assert!(text.contains(needle), "{needle} not in the labels: {text}");
    }
    assert!(
        !dir.path().join("étiquettes.pdf.part").exists(),
        "no temporary file is left"
    );

    // Nothing to print is said, not a blank PDF.
    let refused = client
        .execute_async(
            r#"const [path, done] = arguments;
               window.__TAURI_INTERNALS__
                 .invoke("save_print", { job: { kind: "labels", ids: [], copies: 1, layout: "a4_3x8" }, path })
                 .then((r) => done({ ok: r }), (e) => done({ err: e }));"#,
            vec![serde_json::json!(dir.path().join("empty.pdf"))],
        )
        .await
        .unwrap();
    assert_eq!(refused["err"]["kind"], "print", "{refused}");
    assert_eq!(refused["err"]["cause"], "nothing_to_print", "{refused}");
    assert!(!dir.path().join("empty.pdf").exists());
    client.close().await.unwrap();
    drop(driver);
}
