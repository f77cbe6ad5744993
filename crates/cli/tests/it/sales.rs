//! `hanout sale`, `restock` and `sales` on a real catalog.

use crate::hanout;

#[test]
fn sell_undo_and_read_the_days_journal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let added = hanout(
        data,
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Huile d'argan 1 l",
            "--price",
            "180",
            "--stock",
            "3",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let id = added.json()["listing"]["id"].as_str().unwrap().to_owned();

    let sold = hanout(
        data,
        &[
            "--json",
            "sale",
            &id,
            "--qty",
            "2",
            "--price",
            "170",
            "--note",
            "client de Fès",
        ],
    );
    assert_eq!(sold.code, 0, "{}", sold.stderr);
    let sold = sold.json();
    assert_eq!(sold["sale"]["total_mad"], "340.00");
    assert_eq!(sold["stock_left"], 1);

    let too_many = hanout(data, &["--json", "sale", &id, "--qty", "5"]);
    assert_eq!(too_many.code, 2);
    assert_eq!(too_many.json()["error"]["kind"], "validation");

    let last = hanout(data, &["--json", "sale", &id]).json();
    assert_eq!(last["sold_out"], true);

    let csv = dir.path().join("ventes.csv");
    let day = hanout(data, &["--json", "sales", "--csv", csv.to_str().unwrap()]);
    assert_eq!(day.code, 0, "{}", day.stderr);
    let day = day.json();
    assert_eq!(day["count"], 2);
    assert_eq!(day["total_mad"], "520.00");
    assert_eq!(day["sold_out"], serde_json::json!([id]));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with('\u{feff}') && text.contains("client de Fès"),
        "{text}"
    );

    let undone = hanout(data, &["--json", "sale", "--undo"]).json();
    assert_eq!(undone["undone"]["quantity"], 1);
    let day = hanout(data, &["--json", "sales"]).json();
    assert_eq!(
        (day["count"].as_u64(), day["total_mad"].as_str()),
        (Some(1), Some("340.00"))
    );
    let shown = hanout(data, &["--json", "listing", "show", &id]).json();
    assert_eq!(shown["listing"]["stock"], 1);

    assert_eq!(
        hanout(data, &["--json", "restock", &id, "4"]).json()["stock"],
        5
    );
    // Another day has nothing.
    assert_eq!(
        hanout(data, &["--json", "sales", "--day", "2020-01-01"]).json()["count"],
        0
    );
    assert_eq!(hanout(data, &["sales", "--day", "hier"]).code, 2);
}
