//! The public HTML catalog.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use protocol::LocalizedText;
use tower::ServiceExt as _;
use uuid::Uuid;

use crate::{TestMarket, get, test_market, upsert, upsert_titled};

async fn page(t: &TestMarket, request: Request<Body>) -> String {
    let (status, body) = t.send(request).await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn the_page_allows_only_its_own_script_and_nothing_external() {
    let t = test_market();
    let response = market::app(t.market.clone())
        .oneshot(get("/"))
        .await
        .unwrap();
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    // Scripts (the share button's file, no inline script) and images from
    // this server only; the forms post back here.
    assert_eq!(
        csp,
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'"
    );
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
}

#[tokio::test]
async fn a_malformed_query_falls_back_to_french() {
    let t = test_market();
    let html = page(&t, get("/?lang=ar&lang=en")).await;
    assert!(html.contains(r#"<html lang="fr" dir="ltr">"#), "{html}");
}

async fn with_a_rug() -> TestMarket {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let title = LocalizedText {
        ar: Some("زربية بني ورين".to_owned()),
        fr: Some("Tapis Beni Ouarain".to_owned()),
        en: Some("Beni Ouarain rug".to_owned()),
    };
    t.push(
        &device.token,
        vec![upsert_titled(Uuid::now_v7(), title, 450_000, 1)],
    )
    .await;
    t
}

#[tokio::test]
async fn the_arabic_page_is_right_to_left() {
    let t = with_a_rug().await;
    let html = page(&t, get("/?lang=ar")).await;
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
    assert!(html.contains("زربية بني ورين"));
    assert!(!html.contains("Tapis Beni Ouarain"));
    assert!(html.contains("4500.00 د.م."));
    assert!(html.contains("Coopérative atlas"));
}

#[tokio::test]
async fn french_is_the_default_and_left_to_right() {
    let t = with_a_rug().await;
    let html = page(&t, get("/")).await;
    assert!(html.contains(r#"<html lang="fr" dir="ltr">"#), "{html}");
    assert!(
        html.contains(r#"<h2 dir="auto">Tapis Beni Ouarain</h2>"#),
        "{html}"
    );
    assert!(html.contains("4 500,00 MAD"));
    for lang in ["ar", "fr", "en"] {
        assert!(html.contains(&format!(r#"href="/?lang={lang}""#)), "{lang}");
    }
}

#[tokio::test]
async fn accept_language_picks_the_page_language() {
    let t = with_a_rug().await;
    let request = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.5")
        .body(Body::empty())
        .unwrap();
    let html = page(&t, request).await;
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#), "{html}");
    assert!(html.contains("Beni Ouarain rug"));
    assert!(html.contains("4,500.00 MAD"));
}

#[tokio::test]
async fn a_missing_translation_falls_back() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let title = LocalizedText {
        ar: Some("طاجين فخاري".to_owned()),
        ..LocalizedText::default()
    };
    t.push(
        &device.token,
        vec![upsert_titled(Uuid::now_v7(), title, 25_000, 1)],
    )
    .await;
    let html = page(&t, get("/?lang=en")).await;
    assert!(
        html.contains(r#"<h2 dir="auto">طاجين فخاري</h2>"#),
        "{html}"
    );
}

#[tokio::test]
async fn titles_are_escaped() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    t.push(
        &device.token,
        vec![upsert(Uuid::now_v7(), "<script>alert(1)</script>", 100, 1)],
    )
    .await;
    let html = page(&t, get("/?lang=fr")).await;
    // askama escapes with numeric references: `&#60;` is `&lt;`.
    assert!(
        html.contains(r#"<h2 dir="auto">&#60;script&#62;alert(1)&#60;/script&#62;</h2>"#),
        "{html}"
    );
    assert!(!html.to_lowercase().contains("<script"), "{html}");
}

#[tokio::test]
async fn an_empty_catalog_says_so() {
    let t = test_market();
    let html = page(&t, get("/?lang=fr")).await;
    assert!(html.contains("Aucun produit pour l’instant."), "{html}");
}

#[tokio::test]
async fn the_listing_page_names_the_artisan_and_where_it_comes_from() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let mut change = upsert(id, "Tajine en terre cuite", 25_000, 1);
    let protocol::ChangeOp::Upsert { listing } = &mut change.op else {
        unreachable!()
    };
    listing.title.ar = Some("طاجين فخاري".to_owned());
    listing.artisan = Some("Youssef <Amellal>".to_owned());
    listing.origin = Some("Safi".to_owned());
    listing.region = Some("Marrakech-Safi".to_owned());
    listing.materials = Some("argile".to_owned());
    listing.description = LocalizedText {
        ar: Some("طاجين من طين آسفي".to_owned()),
        fr: Some("Façonné et cuit au four à bois.".to_owned()),
        en: None,
    };
    t.push(&device.token, vec![change]).await;

    let html = page(&t, get(&format!("/l/{id}?lang=fr"))).await;
    // Escaped like every other text.
    assert!(
        html.contains(r#"<dd class="artisan" dir="auto">Youssef &#60;Amellal&#62;</dd>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<dd class="origin" dir="auto">Safi, Marrakech-Safi</dd>"#),
        "{html}"
    );
    assert!(html.contains("Façonné et cuit au four à bois."), "{html}");
    assert!(html.contains("<dt>Artisan·e</dt>"), "{html}");

    let html = page(&t, get(&format!("/l/{id}?lang=ar"))).await;
    assert!(html.contains("Safi، Marrakech-Safi"), "{html}");
    assert!(html.contains("طاجين من طين آسفي"), "{html}");
    assert!(html.contains("<dt>الحرفي(ة)</dt>"), "{html}");

    // The cards say who made it and where, and search finds it by either.
    let html = page(&t, get("/?lang=fr")).await;
    assert!(html.contains("Youssef &#60;Amellal&#62; · Safi"), "{html}");
    for q in ["amellal", "safi"] {
        let html = page(&t, get(&format!("/search?q={q}&lang=fr"))).await;
        assert!(html.contains("Tajine en terre cuite"), "{q}: {html}");
    }
}
