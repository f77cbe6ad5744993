//! What buyers, crawlers and the platforms read is revalidated and
//! compressed: `ETag` / `If-None-Match` → `304` on the pages, the public
//! JSON and the feeds, and gzip or brotli when asked, over a real server.
//! Photos keep their own tag, `Range` and no compression.

use std::io::Read as _;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, IF_NONE_MATCH, RANGE, VARY};
use uuid::Uuid;

use crate::listing_photos::set_photos;
use crate::photos::{photo, upload};
use crate::{test_market, upsert};

/// The public reads of a market with the listing `id` of `atlas`.
fn public_paths(id: Uuid) -> Vec<String> {
    vec![
        "/?lang=fr".to_owned(),
        "/search?q=tapis&lang=fr".to_owned(),
        "/c/atlas?lang=ar".to_owned(),
        format!("/l/{id}?lang=ar"),
        "/v1/catalog".to_owned(),
        format!("/v1/listings/{id}"),
        "/feeds/google.xml?lang=fr".to_owned(),
        "/feeds/meta.csv?coop=atlas&lang=ar".to_owned(),
    ]
}

/// A client that sends `Accept-Encoding` only when told and never
/// decodes, so the test sees the bytes on the wire.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_read_is_answered_304_and_a_changed_one_gets_a_new_etag() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis Azilal", 320_000, 1)])
        .await;
    let display = upload(&t, &device.token, &photo(1, 4_000)).await;
    t.send(set_photos(id, &device.token, &[(&display, &display)]))
        .await;
    let server = test_support::TestMarket::start(t.market.clone()).await;
    let base = server.url();
    let client = raw_client();

    let mut tags = Vec::new();
    for path in public_paths(id) {
        let url = format!("{base}{path}");
        let first = client.get(&url).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let tag = first.headers()[ETAG].to_str().unwrap().to_owned();
        assert!(
            tag.starts_with("W/\"") && tag.ends_with('"'),
            "{path}: {tag}"
        );
        let body = first.bytes().await.unwrap();
        assert!(!body.is_empty());

        let again = client
            .get(&url)
            .header(IF_NONE_MATCH, &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()[ETAG], tag.as_str(), "{path}");
        assert!(
            again
                .headers()
                .get_all(VARY)
                .iter()
                .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
            "{path}: {:?}",
            again.headers()
        );
        assert!(again.bytes().await.unwrap().is_empty(), "{path}: no body");

        let other = client
            .get(&url)
            .header(IF_NONE_MATCH, "W/\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK, "{path}");
        assert_eq!(other.bytes().await.unwrap(), body, "{path}");
        tags.push((path, tag));
    }

    // The listing's price changes: every read that shows it is new.
    t.push(&device.token, vec![upsert(id, "Tapis Azilal", 290_000, 2)])
        .await;
    for (path, old) in tags {
        let response = client
            .get(format!("{base}{path}"))
            .header(IF_NONE_MATCH, &old)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let new = response.headers()[ETAG].to_str().unwrap().to_owned();
        assert_ne!(new, old, "{path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("2900") || body.contains("2 900"),
            "{path} shows the new price: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_are_gzipped_or_brotlid_when_asked_and_photos_are_not() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis Azilal", 320_000, 1)])
        .await;
    let bytes = photo(7, 20_000);
    let display = upload(&t, &device.token, &bytes).await;
    t.send(set_photos(id, &device.token, &[(&display, &display)]))
        .await;
    let server = test_support::TestMarket::start(t.market.clone()).await;
    let base = server.url();
    let client = raw_client();

    for path in public_paths(id) {
        let url = format!("{base}{path}");
        let plain = client
            .get(&url)
            .header(ACCEPT_ENCODING, "identity")
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert!(plain.headers().get(CONTENT_ENCODING).is_none(), "{path}");
        let tag = plain.headers()[ETAG].clone();
        let plain = plain.bytes().await.unwrap().to_vec();

        for encoding in ["gzip", "br"] {
            let response = client
                .get(&url)
                .header(ACCEPT_ENCODING, encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path} {encoding}");
            assert_eq!(response.headers()[CONTENT_ENCODING], encoding, "{path}");
            assert_eq!(
                response.headers()[ETAG],
                tag,
                "{path}: one tag, any encoding"
            );
            let wire = response.bytes().await.unwrap();
            let mut decoded = Vec::new();
            match encoding {
                "gzip" => {
                    flate2::read::GzDecoder::new(&wire[..])
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
                _ => {
                    brotli::Decompressor::new(&wire[..], 4096)
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
            }
            assert_eq!(decoded, plain, "{path} {encoding}");
            assert!(wire.len() < plain.len(), "{path} {encoding}: smaller");
        }
    }

    // A photo: no compression, its own tag, ranges as before.
    let url = format!("{base}/photos/{display}.jpg");
    let whole = client
        .get(&url)
        .header(ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert!(whole.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(whole.headers()[ETAG], format!("\"{display}\"").as_str());
    assert_eq!(whole.bytes().await.unwrap(), bytes);
    let part = client
        .get(&url)
        .header(ACCEPT_ENCODING, "gzip, br")
        .header(RANGE, "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert!(part.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(part.bytes().await.unwrap(), bytes[100..200]);
}
