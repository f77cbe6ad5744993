//! The catalog's files in the real app: a CSV from Excel planned (its bad
//! row reported, nothing written), then imported; the catalog exported
//! and backed up; a restore that would overwrite an unsent listing refused
//! with its title, then done when confirmed. (The system's file dialogs
//! cannot be driven by WebDriver: the test calls the commands the panel's
//! buttons call once a file is chosen, from inside the page.)

use e2e::{TauriDriver, app_env, click, invoke, type_into, wait_count, wait_for};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_is_planned_then_imported_and_a_backup_restored_only_when_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/demo/demo-catalog.csv"
    ))
    .unwrap();
    let header = demo.lines().next().unwrap();
    let columns = header.split(',').count();
    // The demo's 32 rows, plus one whose price is not a number.
    let mut bad: Vec<String> = vec![String::new(); columns];
    let col = |name: &str| header.split(',').position(|c| c == name).unwrap();
    bad[col("title_fr")] = "Tapis sans prix".into();
    bad[col("category")] = "carpets".into();
    bad[col("price_mad")] = "trois mille".into();
    let csv = dir.path().join("catalogue.csv");
    std::fs::write(&csv, format!("{}\n{}\n", demo.trim_end(), bad.join(","))).unwrap();

    let driver = TauriDriver::start(&app_env(dir.path(), &[]));
    let client = driver.connect().await;
    click(&client, "[data-testid=lang-fr]").await;
    wait_for(&client, "[data-testid=catalog-files]").await;

    let plan = invoke(&client, "plan_csv_import", json!({ "path": csv })).await;
    assert_eq!(plan["ok"]["valid"], 32, "{plan}");
    assert_eq!(plan["ok"]["errors"][0]["row"], 34, "{plan}");
    assert_eq!(plan["ok"]["errors"][0]["column"], "price_mad", "{plan}");
    assert_eq!(plan["ok"]["errors"][0]["reason"], "not_a_number", "{plan}");

    let imported = invoke(&client, "apply_csv_import", json!({ "path": csv })).await;
    assert_eq!(imported["ok"], 32, "{imported}");
    // 32 rows, not 64: planning wrote nothing.
    wait_count(&client, "[data-testid=listing]", 32).await;

    let exported = dir.path().join("export.csv");
    let rows = invoke(&client, "export_catalog_csv", json!({ "path": exported })).await;
    assert_eq!(rows["ok"], 32, "{rows}");
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 with BOM, for Excel");
    assert!(text.contains("Tapis"), "{text}");

    let backup = dir.path().join("usb/hanout.db");
    let saved = invoke(&client, "backup_catalog", json!({ "path": backup })).await;
    assert!(saved.get("err").is_none(), "{saved}");
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));

    // A listing typed after the backup, not sent (no marketplace).
    type_into(&client, "[data-testid=title-input]", "Lanterne neuve").await;
    type_into(&client, "[data-testid=price-input]", "600").await;
    click(&client, "[data-testid=save-button]").await;
    wait_for(&client, "[data-testid=listing][data-status]").await;

    let refused = invoke(
        &client,
        "restore_catalog",
        json!({ "path": backup, "confirm": false }),
    )
    .await;
    assert_eq!(refused["err"]["kind"], "restore_would_lose", "{refused}");
    assert_eq!(
        refused["err"]["titles"],
        json!(["Lanterne neuve"]),
        "{refused}"
    );

    let restored = invoke(
        &client,
        "restore_catalog",
        json!({ "path": backup, "confirm": true }),
    )
    .await;
    assert_eq!(
        restored["ok"]["lost"],
        json!(["Lanterne neuve"]),
        "{restored}"
    );
    let safety = restored["ok"]["safetyBackup"].as_str().unwrap();
    assert!(std::path::Path::new(safety).exists(), "{safety}");
    // The list shows the catalog as backed up: the new listing is gone.
    let search = wait_for(&client, "[data-testid=search-input]").await;
    search.send_keys("Lanterne neuve").await.unwrap();
    wait_count(&client, "[data-testid=listing]", 0).await;
    client.close().await.unwrap();
    drop(driver);
}
