use std::path::Path;

use crate::hanout;

pub(crate) fn write_jpeg(path: &Path, width: u32, height: u32) {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    img.save(path).unwrap();
}

#[test]
fn imports_a_folder_mixing_good_and_broken_photos() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    write_jpeg(&inbox.join("tapis.jpg"), 2400, 1800);
    write_jpeg(&inbox.join("tajine.jpg"), 800, 600);
    std::fs::write(inbox.join("empty.jpg"), b"").unwrap();
    std::fs::write(
        inbox.join("setup.jpg"),
        b"MZ\x90\x00this is a renamed program, not a photo",
    )
    .unwrap();
    let good = std::fs::read(inbox.join("tapis.jpg")).unwrap();
    std::fs::write(inbox.join("cut.jpg"), &good[..good.len() / 2]).unwrap();

    let added = hanout(
        &data,
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Tapis",
            "--price",
            "900",
        ],
    );
    let id = added.json()["listing"]["id"].as_str().unwrap().to_owned();

    let files = [
        "tapis.jpg",
        "empty.jpg",
        "setup.jpg",
        "cut.jpg",
        "tajine.jpg",
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|f| inbox.join(f).to_string_lossy().into_owned())
        .collect();
    let mut args = vec![
        "--json",
        "--lang",
        "fr",
        "photos",
        "import",
        "--listing",
        &id,
    ];
    args.extend(paths.iter().map(String::as_str));
    let run = hanout(&data, &args);
    assert_eq!(run.code, 1, "some files failed: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["failed"], 3);

    let results = report["files"].as_array().unwrap();
    assert_eq!(results.len(), 5, "one result per file, in order");
    let tapis = &results[0];
    assert_eq!(tapis["ok"], true);
    assert_eq!(tapis["display"]["width"], 1600);
    assert_eq!(tapis["display"]["height"], 1200);
    assert_eq!(tapis["thumb"]["width"], 320);
    assert_eq!(tapis["display"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(results[1]["error"]["kind"], "empty");
    assert!(
        results[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("vide")
    );
    assert_eq!(results[2]["error"]["kind"], "unsupported_format");
    assert_eq!(results[3]["error"]["kind"], "corrupt");
    assert_eq!(results[4]["ok"], true);
    assert_eq!(results[4]["display"]["width"], 800, "never upscaled");

    // The derivatives are on disk under their hash, and attached to the listing, cover first.
    let sha = tapis["display"]["sha256"].as_str().unwrap();
    assert!(
        data.join("photos")
            .join(&sha[..2])
            .join(format!("{sha}.jpg"))
            .exists()
    );
    let listing = hanout(&data, &["--json", "listing", "show", &id]).json();
    assert_eq!(
        listing["listing"]["photos"],
        serde_json::json!([sha, results[4]["display"]["sha256"]])
    );

    // Both wait to reach the marketplace, and `status` says so.
    let status = hanout(&data, &["--json", "status"]).json();
    assert_eq!(status["photos_waiting"], 2);

    // The same photo again is stored once and attached once.
    let again = hanout(
        &data,
        &["--json", "photos", "import", "--listing", &id, &paths[0]],
    );
    assert_eq!(again.code, 0);
    assert_eq!(again.json()["files"][0]["display"]["sha256"], sha);
    let listing = hanout(&data, &["--json", "listing", "show", &id]).json();
    assert_eq!(listing["listing"]["photos"].as_array().unwrap().len(), 2);

    // Text mode: one line per file, a bad one in plain words.
    let text = hanout(&data, &["--lang", "en", "photos", "import", &paths[2]]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("not a photo we can read"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_photo_is_made_the_cover_or_removed_and_the_stock_moves_by_a_sale() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    write_jpeg(&inbox.join("a.jpg"), 900, 600);
    write_jpeg(&inbox.join("b.jpg"), 600, 900);
    write_jpeg(&inbox.join("c.jpg"), 700, 700);
    let added = hanout(
        &data,
        &[
            "--json",
            "listing",
            "add",
            "--title-fr",
            "Tapis",
            "--price",
            "900",
            "--stock",
            "5",
        ],
    );
    let id = added.json()["listing"]["id"].as_str().unwrap().to_owned();
    let files: Vec<String> = ["a.jpg", "b.jpg", "c.jpg"]
        .iter()
        .map(|f| inbox.join(f).to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["--json", "photos", "import", "--listing", &id];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(hanout(&data, &args).code, 0);
    let photos = |data: &Path| -> Vec<String> {
        hanout(data, &["--json", "listing", "show", &id]).json()["listing"]["photos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect()
    };
    let before = photos(&data);
    assert_eq!(before.len(), 3);

    let cover = hanout(
        &data,
        &[
            "--json",
            "listing",
            "edit",
            &id,
            "--photo-cover",
            &before[2],
        ],
    );
    assert_eq!(cover.code, 0, "{}", cover.stderr);
    assert_eq!(
        photos(&data),
        vec![before[2].clone(), before[0].clone(), before[1].clone()]
    );

    let removed = hanout(
        &data,
        &[
            "--json",
            "listing",
            "edit",
            &id,
            "--photo-remove",
            &before[0],
        ],
    );
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert_eq!(photos(&data), vec![before[2].clone(), before[1].clone()]);

    // A photo the listing does not have: refused, in the user's language.
    let stranger = hanout(
        &data,
        &[
            "--json",
            "--lang",
            "fr",
            "listing",
            "edit",
            &id,
            "--photo-remove",
            &before[0],
        ],
    );
    assert_eq!(stranger.code, 2);
    assert_eq!(stranger.json()["error"]["kind"], "usage");
    assert!(
        stranger.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("n'est pas une photo de cette annonce"),
        "{}",
        stranger.stdout
    );

    // Sales and deliveries move the stock from where it stands.
    let sold = hanout(
        &data,
        &["--json", "listing", "edit", &id, "--stock-add", "-2"],
    );
    assert_eq!(sold.code, 0, "{}", sold.stderr);
    assert_eq!(sold.json()["listing"]["stock"], 3);
    let delivered = hanout(
        &data,
        &["--json", "listing", "edit", &id, "--stock-add", "4"],
    );
    assert_eq!(delivered.json()["listing"]["stock"], 7);
}
