use crate::{DEMO_CSV, hanout};

#[test]
fn refuses_to_write_while_the_app_holds_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    hanout(dir.path(), &["import", "csv", DEMO_CSV]);
    // What the desktop app holds for its whole life.
    let app = store::lock_writer(dir.path()).unwrap();

    let add = hanout(
        dir.path(),
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Tapis",
            "--price",
            "10",
        ],
    );
    assert_eq!(add.code, 2);
    assert_eq!(add.json()["error"]["kind"], "locked");
    let fr = hanout(dir.path(), &["--lang", "fr", "import", "csv", DEMO_CSV]);
    assert!(fr.stderr.contains("Hanout est ouvert"), "{}", fr.stderr);

    // Reads are fine.
    let list = hanout(dir.path(), &["--json", "listing", "list", "--limit", "100"]);
    assert_eq!(list.code, 0);
    assert_eq!(list.json()["listings"].as_array().unwrap().len(), 32);

    drop(app);
    assert_eq!(
        hanout(
            dir.path(),
            &["listing", "add", "--title-fr", "Tapis", "--price", "10"]
        )
        .code,
        0
    );
}

#[test]
fn backup_then_restore_with_the_safety_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    hanout(
        d,
        &[
            "listing",
            "add",
            "--title-fr",
            "Tapis Azilal",
            "--price",
            "3200",
        ],
    );
    let file = dir.path().join("before.db");
    let backup = hanout(d, &["--json", "backup", file.to_str().unwrap()]);
    assert_eq!(backup.code, 0, "{}", backup.stderr);
    assert!(file.exists());
    hanout(
        d,
        &[
            "listing",
            "add",
            "--title-ar",
            "سلة من الدوم",
            "--price",
            "120",
        ],
    );

    // The new listing is not synced: restoring would lose it. No terminal, no --yes: refused.
    let refused = hanout(d, &["--json", "restore", file.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert_eq!(refused.json()["error"]["kind"], "restore_would_lose");
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("سلة من الدوم")
    );
    assert_eq!(hanout(d, &["--json", "status"]).json()["listings"], 2);

    let restored = hanout(d, &["--json", "restore", file.to_str().unwrap(), "--yes"]);
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert_eq!(restored.json()["lost"], serde_json::json!(["سلة من الدوم"]));
    assert_eq!(hanout(d, &["--json", "status"]).json()["listings"], 1);
    // The catalog as it was before the restore was kept.
    assert!(std::path::Path::new(restored.json()["safety_backup"].as_str().unwrap()).exists());

    let rolling = hanout(d, &["--json", "backup"]);
    assert!(
        rolling.json()["backup"]
            .as_str()
            .unwrap()
            .contains("manual")
    );
}

#[test]
fn usage_errors_exit_2_and_help_exists_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(hanout(dir.path(), &["listing", "frobnicate"]).code, 2);
    for cmd in [
        &["--help"][..],
        &["listing", "--help"],
        &["listing", "add", "--help"],
        &["import", "csv", "--help"],
        &["restore", "--help"],
    ] {
        let help = hanout(dir.path(), cmd);
        assert_eq!(help.code, 0, "{cmd:?}");
        assert!(help.stdout.contains("Usage"), "{cmd:?}: {}", help.stdout);
    }
}
