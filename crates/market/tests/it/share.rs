//! A listing page others can share and find: absolute canonical and
//! `hreflang` links, Open Graph / Twitter tags with a small absolute image,
//! schema.org Product JSON-LD, `robots.txt` and `sitemap.xml`.

use axum::http::StatusCode;
use uuid::Uuid;

use crate::listing_photos::set_photos;
use crate::photos::{photo, upload};
use crate::status::set_status;
use crate::{get, test_market, test_market_tuned, upsert};

fn meta<'a>(html: &'a str, attr: &str, name: &str) -> Option<&'a str> {
    let key = format!(r#"{attr}="{name}" content=""#);
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')?;
    Some(&html[start..start + end])
}

fn json_ld(html: &str) -> serde_json::Value {
    let open = r#"<script type="application/ld+json">"#;
    let start = html.find(open).expect("a JSON-LD block") + open.len();
    let end = html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..start + end]).expect("valid JSON-LD")
}

#[tokio::test]
async fn a_listing_page_carries_its_preview_and_structured_data() {
    let t = test_market_tuned(|c| c.public_url = Some("https://souk.example.ma".to_owned()));
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(
        &device.token,
        vec![upsert(id, "Tapis Azilal <ancien>", 320_000, 1)],
    )
    .await;
    let display = upload(&t, &device.token, &photo(1, 5_000)).await;
    let thumb = upload(&t, &device.token, &photo(2, 1_000)).await;
    let (status, _) = t
        .send(set_photos(id, &device.token, &[(&display, &thumb)]))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, body) = t.send(get(&format!("/l/{id}?lang=ar"))).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    let base = "https://souk.example.ma";
    assert!(
        html.contains(&format!(
            r#"<link rel="canonical" href="{base}/l/{id}?lang=ar">"#
        )),
        "{html}"
    );
    for lang in ["ar", "fr", "en"] {
        assert!(
            html.contains(&format!(
                r#"<link rel="alternate" hreflang="{lang}" href="{base}/l/{id}?lang={lang}">"#
            )),
            "{lang}: {html}"
        );
    }
    assert!(html.contains(r#"hreflang="x-default""#));
    assert_eq!(meta(&html, "property", "og:locale"), Some("ar_MA"));
    assert_eq!(meta(&html, "property", "og:type"), Some("product"));
    assert_eq!(
        meta(&html, "property", "og:image"),
        Some(format!("{base}/photos/{thumb}.jpg").as_str())
    );
    assert_eq!(
        meta(&html, "name", "twitter:card"),
        Some("summary_large_image")
    );
    assert_eq!(
        meta(&html, "property", "product:price:amount"),
        Some("3200.00")
    );
    assert_eq!(
        meta(&html, "property", "product:price:currency"),
        Some("MAD")
    );
    // The preview image is the small one, and it is served.
    let (status, bytes) = t.send(get(&format!("/photos/{thumb}.jpg"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes.len() < 300 * 1024);

    let ld = json_ld(&html);
    assert_eq!(ld["@type"], "Product");
    assert_eq!(
        ld["name"], "Tapis Azilal <ancien>",
        "escaped for the script block, intact as JSON"
    );
    assert_eq!(ld["sku"], id.to_string());
    assert_eq!(ld["brand"]["name"], "Coopérative atlas");
    assert_eq!(ld["offers"]["priceCurrency"], "MAD");
    assert_eq!(ld["offers"]["price"], "3200.00");
    assert_eq!(ld["offers"]["availability"], "https://schema.org/InStock");
    assert_eq!(ld["image"][0], format!("{base}/photos/{display}.jpg"));
    assert!(
        !html.contains("<ancien>"),
        "the title is escaped everywhere"
    );
}

#[tokio::test]
async fn robots_and_the_sitemap_list_what_is_public() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let (public, archived) = (Uuid::now_v7(), Uuid::now_v7());
    t.push(
        &device.token,
        vec![
            upsert(public, "Tajine de Safi", 9_000, 1),
            upsert(archived, "Pouf", 45_000, 1),
        ],
    )
    .await;
    t.push(&device.token, vec![set_status(archived, "archived", 2)])
        .await;

    let (status, robots) = t.send(get("/robots.txt")).await;
    assert_eq!(status, StatusCode::OK);
    let robots = String::from_utf8(robots).unwrap();
    assert!(robots.contains("Disallow: /v1/"), "{robots}");
    assert!(
        robots
            .lines()
            .any(|l| l.starts_with("Sitemap: http://") && l.ends_with("/sitemap.xml")),
        "{robots}"
    );

    let (status, xml) = t.send(get("/sitemap.xml")).await;
    assert_eq!(status, StatusCode::OK);
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.starts_with("<?xml"));
    for lang in ["ar", "fr", "en"] {
        assert!(
            xml.contains(&format!("/l/{public}?lang={lang}</loc>")),
            "{xml}"
        );
    }
    assert!(!xml.contains(&archived.to_string()), "{xml}");
    assert_eq!(xml.matches("<url>").count(), 3);
}

#[tokio::test]
async fn the_public_json_carries_absolute_photo_links_and_availability() {
    let t = test_market_tuned(|c| c.public_url = Some("https://souk.example.ma".to_owned()));
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let mut change = upsert(id, "Huile d'argan", 18_000, 1);
    if let protocol::ChangeOp::Upsert { listing } = &mut change.op {
        listing.stock = Some(0);
    }
    t.push(&device.token, vec![change]).await;
    let display = upload(&t, &device.token, &photo(3, 5_000)).await;
    let thumb = upload(&t, &device.token, &photo(4, 1_000)).await;
    t.send(set_photos(id, &device.token, &[(&display, &thumb)]))
        .await;

    let one: protocol::PublicListing = t.send_ok(get(&format!("/v1/listings/{id}"))).await;
    let want = vec![protocol::PublicPhoto {
        thumb: format!("https://souk.example.ma/photos/{thumb}.jpg"),
        display: format!("https://souk.example.ma/photos/{display}.jpg"),
    }];
    assert_eq!(one.photos, want);
    assert_eq!(one.availability.as_deref(), Some("out_of_stock"));
    let page: protocol::CatalogPage = t.send_ok(get("/v1/catalog")).await;
    assert_eq!(page.listings[0].photos, want);
    assert_eq!(page.listings[0].cooperative.slug, "atlas");
}
