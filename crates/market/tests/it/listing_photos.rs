//! `PUT /v1/listings/{id}/photos`: a cooperative sets its own listings'
//! photos, with photos the server holds, and no one else's.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use market::{ListingPhoto, ListingPhotosRequest};
use protocol::ErrorKind;
use uuid::Uuid;

use crate::photos::{create, photo, send_chunk, sha256_hex, upload};
use crate::{TestMarket, delete, error_kind, get, test_market, upsert};

pub(crate) fn set_photos(id: Uuid, token: &str, photos: &[(&str, &str)]) -> Request<Body> {
    set_photos_expecting(id, token, photos, None)
}

/// `set_photos` with the display hashes the device believes the server has.
fn set_photos_expecting(
    id: Uuid,
    token: &str,
    photos: &[(&str, &str)],
    expected: Option<&[&str]>,
) -> Request<Body> {
    set_photos_request(id, token, photos, expected, false)
}

fn set_photos_request(
    id: Uuid,
    token: &str,
    photos: &[(&str, &str)],
    expected: Option<&[&str]>,
    when_uploaded: bool,
) -> Request<Body> {
    let body = ListingPhotosRequest {
        expected: expected.map(|e| e.iter().map(|h| (*h).to_owned()).collect()),
        photos: photos
            .iter()
            .map(|(display, thumb)| ListingPhoto {
                display: (*display).to_owned(),
                thumb: (*thumb).to_owned(),
            })
            .collect(),
        when_uploaded,
    };
    Request::put(format!("/v1/listings/{id}/photos"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

/// A market with a listing of `atlas`, its device token and two uploaded
/// photos (display, thumb).
async fn with_a_listing() -> (TestMarket, String, Uuid, String, String) {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis Azilal", 320_000, 1)])
        .await;
    let display = upload(&t, &device.token, &photo(1, 5_000)).await;
    let thumb = upload(&t, &device.token, &photo(2, 1_000)).await;
    (t, device.token, id, display, thumb)
}

async fn listing_page(t: &TestMarket, id: Uuid) -> String {
    let (status, body) = t.send(get(&format!("/l/{id}?lang=fr"))).await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn a_cooperative_sets_its_listing_photos_and_the_page_shows_them() {
    let (t, token, id, display, thumb) = with_a_listing().await;
    let (status, body) = t.send(set_photos(id, &token, &[(&display, &thumb)])).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let html = listing_page(&t, id).await;
    let img = format!(
        r#"<img src="/photos/{display}.jpg" srcset="/photos/{thumb}.jpg 320w, /photos/{display}.jpg 1600w" sizes="#
    );
    assert!(html.contains(&img), "{html}");
    assert!(html.contains(r#"alt="Tapis Azilal""#), "{html}");

    // Setting them again replaces them; an empty list removes them.
    let (status, _) = t.send(set_photos(id, &token, &[])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!listing_page(&t, id).await.contains("<img src=\"/photos/"));
}

#[tokio::test]
async fn another_cooperative_is_forbidden() {
    let (t, _, id, display, thumb) = with_a_listing().await;
    let intruder = t.enroll("rif").await;
    let (status, body) = t
        .send(set_photos(id, &intruder.token, &[(&display, &thumb)]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_kind(&body), ErrorKind::Forbidden);
    assert!(!listing_page(&t, id).await.contains("<img src=\"/photos/"));
}

#[tokio::test]
async fn photos_the_server_lacks_are_refused() {
    let (t, token, id, display, _) = with_a_listing().await;
    let never_uploaded = sha256_hex(b"not uploaded");
    let (status, body) = t
        .send(set_photos(id, &token, &[(&display, &never_uploaded)]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_kind(&body), ErrorKind::BadRequest);
    let message = String::from_utf8_lossy(&body);
    assert!(message.contains(&never_uploaded), "{message}");
    assert!(!message.contains(&display), "{message}");
    assert!(!listing_page(&t, id).await.contains("<img src=\"/photos/"));
}

#[tokio::test]
async fn unknown_deleted_and_malformed_are_refused() {
    let (t, token, id, display, thumb) = with_a_listing().await;
    let (status, body) = t
        .send(set_photos(Uuid::now_v7(), &token, &[(&display, &thumb)]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_kind(&body), ErrorKind::NotFound);

    let (status, body) = t.send(set_photos(id, &token, &[("nope", &thumb)])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_kind(&body), ErrorKind::BadRequest);

    let (status, body) = t.send(set_photos(id, "not-a-token", &[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_kind(&body), ErrorKind::Unauthorized);

    t.push(&token, vec![delete(id)]).await;
    let (status, _) = t.send(set_photos(id, &token, &[(&display, &thumb)])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Setting photos is a change like any other: the cooperative's other
/// laptops pull the listing again, with its photos in order.
#[tokio::test]
async fn other_laptops_pull_the_photos_in_order() {
    let (t, token, id, display, thumb) = with_a_listing().await;
    let other = t.enroll("atlas").await;
    let before = t.pull(&other.token, None, None).await;
    assert_eq!(before.changes[0].photos.as_deref(), Some(&[][..]));

    let (status, _) = t
        .send(set_photos(
            id,
            &token,
            &[(&display, &thumb), (&thumb, &thumb)],
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let after = t.pull(&other.token, Some(&before.cursor), None).await;
    assert_eq!(after.changes.len(), 1, "the photo change is in the feed");
    let photos = after.changes[0].photos.clone().unwrap();
    let pairs: Vec<(&str, &str)> = photos
        .iter()
        .map(|p| (p.display.as_str(), p.thumb.as_str()))
        .collect();
    assert_eq!(pairs, [(&*display, &*thumb), (&*thumb, &*thumb)]);
}

/// Two laptops set a listing's photos from the same starting point: the
/// second is told the list changed meanwhile (412, with the list), and
/// nothing of the first is lost.
#[tokio::test]
async fn a_stale_photo_list_is_refused_with_the_current_one() {
    let (t, token, id, display, thumb) = with_a_listing().await;
    let (status, _) = t
        .send(set_photos_expecting(
            id,
            &token,
            &[(&display, &thumb)],
            Some(&[]),
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "empty was right");

    // Another laptop still believes the list is empty.
    let (status, body) = t
        .send(set_photos_expecting(
            id,
            &token,
            &[(&thumb, &thumb)],
            Some(&[]),
        ))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let current: ListingPhotosRequest = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        current.photos,
        [ListingPhoto {
            display: display.clone(),
            thumb: thumb.clone()
        }]
    );
    let page = listing_page(&t, id).await;
    assert!(
        page.contains(&format!("/photos/{display}.jpg")),
        "unchanged"
    );

    // With what the server has, it goes through.
    let (status, _) = t
        .send(set_photos_expecting(
            id,
            &token,
            &[(&display, &thumb), (&thumb, &thumb)],
            Some(&[&display]),
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// A list sent while its photos are still on their way (`when_uploaded`)
/// is kept (202) and set by the server the moment the last one arrives —
/// not before, and not a round trip later. Sending it again once the
/// uploads are done says 204 whatever the device last saw.
#[tokio::test]
async fn a_list_sent_before_its_photos_is_set_when_the_last_one_arrives() {
    let (t, token, id, display, _) = with_a_listing().await;
    let other = t.enroll("atlas").await;
    let before = t.pull(&other.token, None, None).await;
    let late = photo(9, 40_000);
    let late_hash = sha256_hex(&late);
    let list = [(display.as_str(), late_hash.as_str())];

    let (status, body) = t
        .send(set_photos_request(id, &token, &list, Some(&[]), true))
        .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(!listing_page(&t, id).await.contains("<img src=\"/photos/"));
    let location = create(&t, &token, &late).await;
    let (status, _) = send_chunk(&t, &token, &location, &late, 0, 20_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        !listing_page(&t, id).await.contains("<img src=\"/photos/"),
        "half a photo shows nothing"
    );
    let unchanged = t.pull(&other.token, Some(&before.cursor), None).await;
    assert!(unchanged.changes.is_empty(), "{:?}", unchanged.changes);

    let (status, _) = send_chunk(&t, &token, &location, &late, 20_000, late.len()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let page = listing_page(&t, id).await;
    assert!(
        page.contains(&format!("/photos/{display}.jpg")) && page.contains(&late_hash),
        "{page}"
    );
    let after = t.pull(&other.token, Some(&before.cursor), None).await;
    let photos = after.changes[0].photos.clone().unwrap();
    assert_eq!(
        photos,
        [ListingPhoto {
            display: display.clone(),
            thumb: late_hash.clone()
        }]
    );

    // The device's own PUT after its uploads: the same list, 204.
    let (status, _) = t
        .send(set_photos_expecting(id, &token, &list, Some(&[])))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Without `when_uploaded`, photos the server lacks are still refused.
    let never = sha256_hex(b"never uploaded");
    let (status, _) = t.send(set_photos(id, &token, &[(&display, &never)])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Another laptop sets the listing's photos while a kept list waits for
/// its files: the kept one is dropped, not set over the other laptop's
/// when its files arrive; its device learns of it (412) as it would have.
#[tokio::test]
async fn a_kept_list_gives_way_to_a_list_set_meanwhile() {
    let (t, token, id, display, thumb) = with_a_listing().await;
    let late = photo(7, 3_000);
    let late_hash = sha256_hex(&late);
    let mine = [(display.as_str(), late_hash.as_str())];
    let (status, _) = t
        .send(set_photos_request(id, &token, &mine, Some(&[]), true))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let laptop_b = t.enroll("atlas").await;
    let (status, _) = t
        .send(set_photos_expecting(
            id,
            &laptop_b.token,
            &[(&display, &thumb)],
            Some(&[]),
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    upload(&t, &token, &late).await;
    let page = listing_page(&t, id).await;
    assert!(page.contains(&format!("/photos/{thumb}.jpg")), "{page}");
    assert!(!page.contains(&late_hash), "{page}");

    let (status, body) = t
        .send(set_photos_expecting(id, &token, &mine, Some(&[])))
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let current: ListingPhotosRequest = serde_json::from_slice(&body).unwrap();
    assert_eq!(current.photos[0].thumb, thumb);
}

/// On a slow link every listing goes live with its thumbnails before any
/// display-size photo is sent: a list sent ahead whose thumbnails are
/// here is set at once (202, not 204: its display-size files are still to
/// come), the public page and the other laptops see it, and a buyer asking
/// for a display-size photo not yet here gets its thumbnail meanwhile. It
/// is synced (204) only once every file is here, so a laptop cut off
/// before its display-size photos went still sends them.
#[tokio::test]
async fn a_listing_goes_live_with_its_thumbnails_before_its_display_photos() {
    let (t, token, id, _, thumb) = with_a_listing().await;
    let other = t.enroll("atlas").await;
    let before = t.pull(&other.token, None, None).await;
    let late = photo(11, 30_000);
    let late_hash = sha256_hex(&late);
    let list = [(late_hash.as_str(), thumb.as_str())];

    let (status, body) = t
        .send(set_photos_request(id, &token, &list, Some(&[]), true))
        .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let page = listing_page(&t, id).await;
    assert!(page.contains(&format!("/photos/{thumb}.jpg")), "{page}");
    let pulled = t.pull(&other.token, Some(&before.cursor), None).await;
    assert_eq!(
        pulled.changes[0].photos.clone().unwrap(),
        [ListingPhoto {
            display: late_hash.clone(),
            thumb: thumb.clone()
        }]
    );

    // A buyer: the thumbnail, for now, not to be cached.
    let (status, headers, _) = t.send_full(get(&format!("/photos/{late_hash}.jpg"))).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(headers[header::LOCATION], format!("{thumb}.jpg").as_str());
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    // A laptop downloading photos: not there yet (tried again later).
    let (status, _) = t
        .send(
            Request::get(format!("/photos/{late_hash}.jpg"))
                .header(header::AUTHORIZATION, format!("Bearer {}", other.token))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Not synced while a file is missing, whichever way it is asked.
    let (status, _) = t
        .send(set_photos_expecting(id, &token, &list, Some(&[])))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = t
        .send(set_photos_request(id, &token, &list, Some(&[]), true))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    upload(&t, &token, &late).await;
    let (status, headers, body) = t.send_full(get(&format!("/photos/{late_hash}.jpg"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, late);
    assert_ne!(headers[header::CACHE_CONTROL], "no-store");
    let (status, _) = t
        .send(set_photos_expecting(id, &token, &list, Some(&[])))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Nothing moved twice: the other laptop's pull has no second change.
    let after = t.pull(&other.token, Some(&pulled.cursor), None).await;
    assert!(after.changes.is_empty(), "{:?}", after.changes);
}
