//! The product feeds over a real listening server: `/feeds/google.xml`
//! (parsed as namespaced XML) and `/feeds/meta.csv` (parsed as CSV), whole
//! and per cooperative, in Arabic and French; every required field of every
//! item checked, every photo link fetched.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use market::admin;
use protocol::{Change, ChangeOp, ListingPayload, LocalizedText, PublicListing};
use uuid::Uuid;

use crate::feed_reading::{check_items, google_feed, google_items, meta_feed, one};
use crate::listing_photos::set_photos;
use crate::photos::{photo, upload};
use crate::status::set_status;
use crate::{TestMarket, get, test_market};

/// A whole listing as a device sends it.
struct Draft {
    title: LocalizedText,
    description: Option<&'static str>,
    category: Option<&'static str>,
    stock: Option<i64>,
    price_centimes: i64,
}

fn upsert(id: Uuid, draft: &Draft) -> Change {
    Change::whole(
        Uuid::now_v7(),
        id,
        ChangeOp::Upsert {
            listing: ListingPayload {
                title: draft.title.clone(),
                price_centimes: draft.price_centimes,
                updated_at_ms: 1,
                description: LocalizedText {
                    fr: draft.description.map(str::to_owned),
                    ..LocalizedText::default()
                },
                category: draft.category.map(str::to_owned),
                stock: draft.stock,
                ..ListingPayload::default()
            },
        },
    )
}

fn text(ar: Option<&str>, fr: Option<&str>) -> LocalizedText {
    LocalizedText {
        ar: ar.map(str::to_owned),
        fr: fr.map(str::to_owned),
        en: None,
    }
}

/// What the test market holds.
struct Shop {
    t: TestMarket,
    rug: Uuid,
    tajine: Uuid,
    basket: Uuid,
    no_photo: Uuid,
    hidden: [Uuid; 3],
}

/// `atlas`: a rug (Arabic and French, two photos, in stock, a description
/// that needs quoting and escaping), a tajine (Arabic title only, out of
/// stock), a pouf with no photo, and a draft, an archived and a rejected
/// listing with photos. `rif`: a basket (French only, stock never said).
async fn shop() -> Shop {
    let t = test_market();
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    let [rug, tajine, no_photo, draft, archived, rejected, basket] =
        std::array::from_fn(|_| Uuid::now_v7());
    let listing = |title, stock| Draft {
        title,
        description: None,
        category: None,
        stock,
        price_centimes: 9_000,
    };
    t.push(
        &atlas.token,
        vec![
            upsert(
                rug,
                &Draft {
                    title: text(Some("زربية بني ورين"), Some("Tapis Béni Ouarain")),
                    description: Some(
                        "Laine \"naturelle\", nouée main;\n2 × 3 m <fait main> & teint\u{1}",
                    ),
                    category: Some("carpets"),
                    stock: Some(3),
                    price_centimes: 320_000,
                },
            ),
            upsert(
                tajine,
                &Draft {
                    category: Some("pottery"),
                    ..listing(text(Some("طاجين فخاري"), None), Some(0))
                },
            ),
            upsert(
                no_photo,
                &listing(text(None, Some("Pouf en cuir")), Some(5)),
            ),
            upsert(draft, &listing(text(None, Some("Brouillon")), Some(1))),
            upsert(archived, &listing(text(None, Some("Archivé")), Some(1))),
            upsert(rejected, &listing(text(None, Some("Refusé")), Some(1))),
        ],
    )
    .await;
    t.push(
        &rif.token,
        vec![upsert(
            basket,
            &listing(text(None, Some("Panier en doum")), None),
        )],
    )
    .await;
    let mut seed = 0;
    for (id, token, count) in [
        (rug, &atlas.token, 2),
        (tajine, &atlas.token, 1),
        (draft, &atlas.token, 1),
        (archived, &atlas.token, 1),
        (rejected, &atlas.token, 1),
        (basket, &rif.token, 1),
    ] {
        let mut pairs = Vec::new();
        for _ in 0..count {
            seed += 2;
            let display = upload(&t, token, &photo(seed, 3_000)).await;
            let thumb = upload(&t, token, &photo(seed + 1, 800)).await;
            pairs.push((display, thumb));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(d, t)| (&**d, &**t)).collect();
        let (status, body) = t.send(set_photos(id, token, &pairs)).await;
        assert_eq!(
            status,
            StatusCode::NO_CONTENT,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    t.push(
        &atlas.token,
        vec![
            set_status(draft, "draft", 2),
            set_status(archived, "archived", 2),
        ],
    )
    .await;
    admin::reject_listing(&t.market, rejected, "photo floue").unwrap();
    Shop {
        t,
        rug,
        tajine,
        basket,
        no_photo,
        hidden: [draft, archived, rejected],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feeds_list_every_public_listing_with_its_required_fields() {
    let shop = shop().await;
    let server = test_support::TestMarket::start(shop.t.market.clone()).await;
    let base = server.url();
    let client = reqwest::Client::new();

    // The public catalog as the JSON says it: the feeds must agree.
    let catalog: protocol::CatalogPage = client
        .get(format!("{base}/v1/catalog"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let public: BTreeMap<Uuid, PublicListing> =
        catalog.listings.into_iter().map(|l| (l.id, l)).collect();
    assert!(public.contains_key(&shop.no_photo));
    for hidden in shop.hidden {
        assert!(!public.contains_key(&hidden));
    }
    let with_photo = |coop: Option<&str>| -> BTreeMap<Uuid, PublicListing> {
        public
            .iter()
            .filter(|(_, l)| !l.photos.is_empty())
            .filter(|(_, l)| coop.is_none_or(|c| l.cooperative.slug == c))
            .map(|(id, l)| (*id, l.clone()))
            .collect()
    };
    assert_eq!(
        with_photo(None).keys().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([shop.rug, shop.tajine, shop.basket]),
        "the photo-less pouf is public but waits out of the feeds"
    );

    for coop in [None, Some("atlas"), Some("rif")] {
        for lang in ["ar", "fr"] {
            let query = match coop {
                Some(coop) => format!("?coop={coop}&lang={lang}"),
                None => format!("?lang={lang}"),
            };
            let expected = with_photo(coop);
            let google = google_feed(&client, &format!("{base}/feeds/google.xml{query}")).await;
            check_items(&client, &base, &google, &expected, lang).await;
            let meta = meta_feed(&client, &format!("{base}/feeds/meta.csv{query}")).await;
            check_items(&client, &base, &meta, &expected, lang).await;

            for items in [&google, &meta] {
                let find = |id: Uuid| items.iter().find(|i| i.id == id);
                if let Some(rug) = find(shop.rug) {
                    let (title, product_type) = match lang {
                        "ar" => ("زربية بني ورين", "زرابي"),
                        _ => ("Tapis Béni Ouarain", "Tapis"),
                    };
                    assert_eq!(rug.title, title);
                    assert_eq!(rug.product_type.as_deref(), Some(product_type));
                    assert_eq!(rug.images.len(), 2);
                    assert_eq!(rug.price, "3200.00 MAD");
                    // Quotes, `;`, a line break, `<`, `&` come back intact;
                    // the control character XML cannot carry is dropped.
                    assert_eq!(
                        rug.description,
                        "Laine \"naturelle\", nouée main;\n2 × 3 m <fait main> & teint"
                    );
                }
                if let Some(tajine) = find(shop.tajine) {
                    assert_eq!(
                        tajine.title, "طاجين فخاري",
                        "no French title: the Arabic one"
                    );
                    assert_eq!(
                        tajine.description, tajine.title,
                        "no description: the title"
                    );
                    assert_eq!(tajine.availability, "out of stock");
                }
                if let Some(basket) = find(shop.basket) {
                    assert_eq!(basket.title, "Panier en doum");
                    assert_eq!(basket.availability, "in stock", "stock never said");
                    assert_eq!(basket.brand, "Coopérative rif");
                }
            }
        }
    }

    let xml = client
        .get(format!("{base}/feeds/google.xml?lang=fr"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rug = google_items(&xml)
        .into_iter()
        .find(|i| one(i, "id") == shop.rug.to_string())
        .unwrap();
    assert_eq!(
        one(&rug, "google_product_category"),
        "Home & Garden > Decor > Rugs"
    );

    for feed in ["google.xml", "meta.csv"] {
        let response = client
            .get(format!("{base}/feeds/{feed}?coop=nowhere"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND, "{feed}");
    }
}

/// A feed longer than one page of the database (500) comes whole, each
/// listing once: 1,000 (the last page is empty) and 1,001.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_pages_through_the_whole_catalog() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let display = upload(&t, &device.token, &photo(1, 2_000)).await;
    let mut ids = Vec::new();
    for total in [1_000, 1_001] {
        let fresh: Vec<Uuid> = (ids.len()..total).map(|_| Uuid::now_v7()).collect();
        for chunk in fresh.chunks(protocol::MAX_PUSH_CHANGES) {
            let changes = chunk
                .iter()
                .map(|id| crate::upsert(*id, "Bol en thuya", 4_500, 1))
                .collect();
            t.push(&device.token, changes).await;
        }
        ids.extend(fresh);
        // A thousand photo lists one request each would take most of the
        // test's time; the rows are what a `PUT …/photos` writes.
        t.sql(&format!(
            "DELETE FROM listing_photos;
             INSERT INTO listing_photos (listing_id, position, display, thumb)
             SELECT id, 0, '{display}', '{display}' FROM listings;"
        ));
        let server = test_support::TestMarket::start(t.market.clone()).await;
        let client = reqwest::Client::new();
        let base = server.url();
        let xml = client
            .get(format!("{base}/feeds/google.xml"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let google: Vec<String> = google_items(&xml)
            .iter()
            .map(|i| one(i, "id").to_owned())
            .collect();
        let csv = client
            .get(format!("{base}/feeds/meta.csv"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let meta: Vec<String> = csv::Reader::from_reader(&csv[..])
            .records()
            .map(|r| r.unwrap()[0].to_owned())
            .collect();
        let want: BTreeSet<String> = ids.iter().map(Uuid::to_string).collect();
        for (name, got) in [("google", google), ("meta", meta)] {
            assert_eq!(got.len(), total, "{name}");
            assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want, "{name}");
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn a_feed_without_lang_follows_accept_language() {
    let shop = shop().await;
    let request = axum::http::Request::get("/feeds/meta.csv?coop=atlas")
        .header("accept-language", "ar-MA, fr;q=0.5")
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, body) = shop.t.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("زربية بني ورين"), "{body}");
    assert!(body.contains(&format!("/l/{}?lang=ar", shop.rug)), "{body}");
    let (status, body) = shop.t.send(get("/feeds/meta.csv?coop=atlas")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("Tapis Béni Ouarain"),
        "French without a word from the client"
    );
}
