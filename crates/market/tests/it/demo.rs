//! `hanout-market demo`, run for real: the demo cooperative's catalog,
//! published once whatever the number of runs, served with its photos.

use std::path::Path;
use std::process::{Command, Output};

use protocol::CatalogPage;

use crate::{Serving, hanout_market_command, http_get};

fn hanout_market(data: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_hanout-market"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The last line on stdout: what `cargo xtask run` reads as the code.
fn last_line(output: &Output) -> String {
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    stdout.lines().last().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn demo_twice_publishes_the_32_demo_products_once_with_their_photos() {
    let dir = tempfile::tempdir().unwrap();
    let first = last_line(&hanout_market(dir.path(), &["demo"]));
    let second = last_line(&hanout_market(dir.path(), &["demo"]));
    for code in [&first, &second] {
        assert_eq!(code.len(), 9, "{code:?}");
        assert_eq!(&code[4..5], "-", "{code:?}");
    }
    assert_ne!(first, second);
    // One demo device (revoked: no one holds its token), not one per run.
    let devices =
        String::from_utf8(hanout_market(dir.path(), &["device", "list", "atlas"]).stdout).unwrap();
    assert_eq!(devices.lines().count(), 1, "{devices}");
    assert!(devices.contains("\trevoked\t"), "{devices}");

    let mut serve = hanout_market_command(&["serve", "--listen", "127.0.0.1:0"]);
    serve.arg("--data").arg(dir.path());
    let server = Serving::start(&mut serve);
    let client = reqwest::Client::new();
    let page: CatalogPage = http_get(&client, &server.base, "/v1/catalog").await;
    assert_eq!(page.listings.len(), 32);

    let rug = page
        .listings
        .iter()
        .find(|l| l.title.en.as_deref() == Some("Beni Ouarain rug in natural wool"))
        .expect("the first product of the CSV");
    assert_eq!(rug.price_centimes, 450_000);
    assert_eq!(rug.category.as_deref(), Some("carpets"));
    assert_eq!(rug.region.as_deref(), Some("Fès-Meknès"));
    assert_eq!(rug.origin.as_deref(), Some("Boulemane"));
    assert_eq!(rug.availability.as_deref(), Some("in_stock"));
    assert_eq!(
        rug.title.ar.as_deref(),
        Some("زربية بني ورين من الصوف الطبيعي")
    );

    let html = client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut displays = std::collections::HashSet::new();
    for listing in &page.listings {
        assert_eq!(listing.cooperative.slug, "atlas");
        for title in [&listing.title.ar, &listing.title.fr, &listing.title.en] {
            assert!(
                title.as_deref().is_some_and(|t| !t.is_empty()),
                "{listing:?}"
            );
        }
        assert!(
            html.contains(&format!("/l/{}", listing.id)),
            "the home page links {}",
            listing.id
        );
        assert!(!listing.photos.is_empty(), "{listing:?}");
        for photo in &listing.photos {
            assert!(displays.insert(photo.display.clone()), "a photo of its own");
            for (url, long_edge) in [(&photo.display, 1600), (&photo.thumb, 320)] {
                let response = client.get(url).send().await.unwrap();
                assert_eq!(response.status(), 200, "{url}");
                assert_eq!(
                    response.headers()["content-type"].to_str().unwrap(),
                    "image/jpeg",
                    "{url}"
                );
                let bytes = response.bytes().await.unwrap();
                let picture =
                    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
                assert_eq!(
                    (picture.width(), picture.height()),
                    (long_edge, long_edge * 3 / 4),
                    "{url}"
                );
            }
        }
    }
}
