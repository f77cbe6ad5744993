//! The catalog's pages beyond the home page: search, cooperative, listing,
//! the 404 page, and what they may show.

use axum::http::{HeaderMap, StatusCode, header};
use market::{ModerationPolicy, admin};
use protocol::LocalizedText;
use uuid::Uuid;

use crate::{TestMarket, get, test_market, test_market_with, upsert, upsert_titled};

async fn page_full(t: &TestMarket, path: &str) -> (StatusCode, HeaderMap, String) {
    let (status, headers, body) = t.send_full(get(path)).await;
    (status, headers, String::from_utf8(body).unwrap())
}

async fn page(t: &TestMarket, path: &str) -> String {
    let (status, _, html) = page_full(t, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    html
}

fn titled(ar: &str, fr: &str) -> LocalizedText {
    LocalizedText {
        ar: Some(ar.to_owned()),
        fr: Some(fr.to_owned()),
        en: None,
    }
}

/// `atlas` sells a rug and a tajine; `rif` sells a basket.
async fn two_cooperatives() -> (TestMarket, [Uuid; 3]) {
    let t = test_market();
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    let ids = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    t.push(
        &atlas.token,
        vec![
            upsert_titled(
                ids[0],
                titled("زَرْبِيَّة بني ورين", "Tapis Béni Ouarain"),
                450_000,
                1,
            ),
            upsert_titled(
                ids[1],
                titled("طاجين فخاري", "Tajine en terre cuite"),
                25_000,
                2,
            ),
        ],
    )
    .await;
    t.push(
        &rif.token,
        vec![upsert_titled(
            ids[2],
            titled("سلة الدوم", "Panier en doum"),
            9_000,
            3,
        )],
    )
    .await;
    (t, ids)
}

#[tokio::test]
async fn search_ignores_accents_case_and_harakat() {
    let (t, ids) = two_cooperatives().await;
    let check = |q: &'static str, expect: &'static [usize]| {
        let t = &t;
        async move {
            let html = page(t, &format!("/search?q={}&lang=fr", urlencode(q))).await;
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(
                    html.contains(&format!("/l/{id}?lang=fr")),
                    expect.contains(&i),
                    "q={q}, listing {i}: {html}"
                );
            }
        }
    };
    check("tapis", &[0]).await;
    check("BENI ouarain", &[0]).await;
    check("béni", &[0]).await;
    check("زربيه", &[0]).await; // no harakat, ة written ه
    check("الدوم", &[2]).await;
    check("cuite terre", &[1]).await; // every word, in any order
    check("tajine doum", &[]).await; // all words must match one listing
    check("%", &[]).await;
    check("", &[]).await;
}

/// The index finds a word inside another (as `LIKE '%…%'` did), short
/// words still match, and it follows every edit: a listing is found by its
/// new title and no longer by the old one.
#[tokio::test]
async fn search_finds_inner_words_and_follows_edits() {
    // The default reads these few listings in order; a window of one
    // listing sends every search past it to the trigram index.
    search_inner_words(test_market()).await;
    search_inner_words(crate::test_market_tuned(|c| c.search_window = 1)).await;
}

async fn search_inner_words(t: TestMarket) {
    let atlas = t.enroll("atlas").await;
    let [rug, pot] = [Uuid::now_v7(), Uuid::now_v7()];
    t.push(
        &atlas.token,
        vec![
            upsert_titled(rug, titled("الزربية", "Tapis berbère XL"), 450_000, 1),
            upsert(pot, "Tajine 2 personnes", 25_000, 2),
        ],
    )
    .await;
    let found = |q: &'static str| {
        let t = &t;
        async move {
            let html = page(t, &format!("/search?q={}&lang=fr", urlencode(q))).await;
            [rug, pot].map(|id| html.contains(&format!("/l/{id}?lang=fr")))
        }
    };
    assert_eq!(found("زربيه").await, [true, false], "inside الزربية");
    assert_eq!(found("pis").await, [true, false], "inside tapis");
    assert_eq!(found("xl").await, [true, false], "two letters");
    assert_eq!(found("2").await, [false, true], "one digit");
    assert_eq!(found("berbere tap").await, [true, false]);

    t.push(
        &atlas.token,
        vec![upsert_titled(
            rug,
            titled("حنبل", "Hanbel rouge"),
            450_000,
            3,
        )],
    )
    .await;
    assert_eq!(found("hanbel").await, [true, false]);
    assert_eq!(
        found("tapis").await,
        [false, false],
        "the old title is gone"
    );
    assert_eq!(found("زربيه").await, [false, false]);
}

fn urlencode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

#[tokio::test]
async fn the_search_page_keeps_the_query_and_the_language() {
    let (t, _) = two_cooperatives().await;
    let html = page(&t, "/search?q=%3Cb%3Etapis&lang=ar").await;
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
    // The query is escaped in the box and URL-encoded in the language links.
    assert!(html.contains(r#"value="&#60;b&#62;tapis""#), "{html}");
    assert!(
        html.contains(r#"href="/search?q=%3Cb%3Etapis&#38;lang=fr""#),
        "{html}"
    );
    assert!(html.contains(r#"<input type="hidden" name="lang" value="ar">"#));
    assert!(!html.contains("<b>"));
}

#[tokio::test]
async fn a_cooperative_page_lists_its_listings_only() {
    let (t, ids) = two_cooperatives().await;
    let html = page(&t, "/c/atlas?lang=en").await;
    assert!(html.contains("Coopérative atlas"), "{html}");
    assert!(html.contains(&format!("/l/{}?lang=en", ids[0])));
    assert!(html.contains(&format!("/l/{}?lang=en", ids[1])));
    assert!(!html.contains(&format!("/l/{}", ids[2])));
    assert!(html.contains(r#"href="/c/atlas?lang=ar""#), "{html}");
}

#[tokio::test]
async fn a_listing_page_shows_price_and_cooperative_per_language() {
    let (t, ids) = two_cooperatives().await;
    let html = page(&t, &format!("/l/{}?lang=ar", ids[0])).await;
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
    assert!(html.contains("زَرْبِيَّة بني ورين"));
    assert!(html.contains("4500.00 د.م."));
    assert!(html.contains(r#"href="/c/atlas?lang=ar""#), "{html}");
    let html = page(&t, &format!("/l/{}?lang=fr", ids[0])).await;
    assert!(html.contains("4 500,00 MAD"));
    assert!(html.contains("Tapis Béni Ouarain"));
}

#[tokio::test]
async fn pages_are_cached_briefly_and_vary_on_language() {
    let (t, ids) = two_cooperatives().await;
    for path in [
        "/".to_owned(),
        "/search?q=tapis".to_owned(),
        "/c/atlas".to_owned(),
        format!("/l/{}", ids[0]),
    ] {
        let (status, headers, _) = page_full(&t, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=60",
            "{path}"
        );
        assert_eq!(headers[header::VARY], "Accept-Language", "{path}");
    }
}

#[tokio::test]
async fn missing_things_get_the_404_page() {
    let (t, _) = two_cooperatives().await;
    for path in [
        format!("/l/{}?lang=ar", Uuid::now_v7()),
        "/l/not-a-uuid?lang=ar".to_owned(),
        "/c/nobody?lang=ar".to_owned(),
    ] {
        let (status, headers, html) = page_full(&t, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
        assert!(html.contains("الصفحة غير موجودة"), "{html}");
    }
}

#[tokio::test]
async fn only_approved_undeleted_listings_appear_anywhere() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let [pending, rejected, approved, deleted] = [(); 4].map(|()| Uuid::now_v7());
    t.push(
        &device.token,
        vec![
            upsert(pending, "Tapis en attente", 100, 1),
            upsert(rejected, "Tapis refusé", 100, 1),
            upsert(approved, "Tapis approuvé", 100, 1),
            upsert(deleted, "Tapis supprimé", 100, 1),
        ],
    )
    .await;
    admin::reject_listing(&t.market, rejected, "photo floue").unwrap();
    admin::approve_listing(&t.market, approved).unwrap();
    admin::approve_listing(&t.market, deleted).unwrap();
    t.push(&device.token, vec![crate::delete(deleted)]).await;

    for path in ["/", "/search?q=tapis", "/c/atlas"] {
        let html = page(&t, path).await;
        assert!(html.contains(&format!("/l/{approved}")), "{path}: {html}");
        for hidden in [pending, rejected, deleted] {
            assert!(!html.contains(&hidden.to_string()), "{path}: {html}");
        }
    }
    page(&t, &format!("/l/{approved}")).await;
    for hidden in [pending, rejected, deleted] {
        let (status, _, _) = page_full(&t, &format!("/l/{hidden}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
