//! Take-down: photos of listings the public may not see are not served to
//! the public (their cooperative's devices still get them, uncached), and
//! an operator's purge removes a photo from the blob store and every
//! listing for good. Every decision lands in the moderation history.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use market::{ModerationAction, ModerationPolicy, admin};
use protocol::ModerationState;
use uuid::Uuid;

use crate::listing_photos::set_photos;
use crate::photos::{creation, photo, sha256_hex, upload};
use crate::status::set_status;
use crate::{TestMarket, delete, get, test_market, test_market_with, upsert};

/// `GET /photos/{sha}.jpg`, as the public (`None`) or a device.
async fn fetch(t: &TestMarket, sha: &str, token: Option<&str>) -> (StatusCode, HeaderMap) {
    let mut request = Request::get(format!("/photos/{sha}.jpg"));
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let (status, headers, _) = t.send_full(request.body(Body::empty()).unwrap()).await;
    (status, headers)
}

fn cache(headers: &HeaderMap) -> &str {
    headers
        .get(header::CACHE_CONTROL)
        .map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn photos_of_listings_the_public_may_not_see_are_not_served_to_it() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let stranger = t.enroll("rif").await;
    let id = Uuid::now_v7();
    t.push(&device.token, vec![upsert(id, "Tapis", 100, 1)])
        .await;
    let sha = upload(&t, &device.token, &photo(7, 4_000)).await;
    let (status, _) = t.send(set_photos(id, &device.token, &[(&sha, &sha)])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, headers) = fetch(&t, &sha, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache(&headers), "public, max-age=3600, immutable");

    // Rejected: gone for the public and for other cooperatives; the
    // cooperative's own devices still fetch it, never cached.
    admin::reject_listing(&t.market, id, "Photo d'un autre atelier").unwrap();
    let (status, headers) = fetch(&t, &sha, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(cache(&headers), "no-store");
    assert_eq!(
        fetch(&t, &sha, Some(&stranger.token)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, headers) = fetch(&t, &sha, Some(&device.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache(&headers), "private, no-store");

    admin::approve_listing(&t.market, id).unwrap();
    assert_eq!(fetch(&t, &sha, None).await.0, StatusCode::OK);
    // Archived: not public either.
    t.push(&device.token, vec![set_status(id, "archived", 5)])
        .await;
    assert_eq!(fetch(&t, &sha, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&t, &sha, Some(&device.token)).await.0, StatusCode::OK);
    // Deleted: not for anyone.
    t.push(&device.token, vec![delete(id)]).await;
    assert_eq!(
        fetch(&t, &sha, Some(&device.token)).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purged_photo_leaves_the_store_and_every_listing_for_good() {
    let t = test_market();
    let atlas = t.enroll("atlas").await;
    let rif = t.enroll("rif").await;
    let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    t.push(&atlas.token, vec![upsert(mine, "Tapis", 100, 1)])
        .await;
    t.push(&rif.token, vec![upsert(theirs, "Kilim", 100, 1)])
        .await;
    let bytes = photo(9, 3_000);
    let stolen = upload(&t, &atlas.token, &bytes).await;
    let kept = upload(&t, &atlas.token, &photo(10, 3_000)).await;
    for (id, token) in [(mine, &atlas.token), (theirs, &rif.token)] {
        let pair = [
            (stolen.as_str(), kept.as_str()),
            (kept.as_str(), kept.as_str()),
        ];
        let (status, _) = t.send(set_photos(id, token, &pair)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let seen = t.pull(&atlas.token, None, None).await;

    // Blocking, like every admin call: off the async threads (the bucket's
    // client is driven by this runtime).
    let purge = |sha: String, reason: Option<&'static str>| {
        let market = t.market.clone();
        tokio::task::spawn_blocking(move || admin::purge_photo(&market, &sha, "Amina", reason))
    };
    let mut listings = purge(stolen.to_uppercase(), Some("copyright"))
        .await
        .unwrap()
        .unwrap();
    listings.sort();
    let mut expected = vec![mine, theirs];
    expected.sort();
    assert_eq!(listings, expected);

    assert_eq!(fetch(&t, &stolen, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        fetch(&t, &stolen, Some(&atlas.token)).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(!t.stored_blobs().await.contains(&stolen));
    assert!(t.stored_blobs().await.contains(&kept));
    // The listing's devices pull the shorter list.
    let pulled = t.pull(&atlas.token, Some(&seen.cursor), None).await;
    let photos = pulled.changes[0].photos.clone().unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].display, kept);
    let (_, page) = t.send(get(&format!("/l/{mine}?lang=fr"))).await;
    assert!(!String::from_utf8(page).unwrap().contains(&stolen));

    // Never again: not as an upload, not in a listing.
    let (status, _) = t
        .send(creation(&atlas.token, bytes.len(), &sha256_hex(&bytes)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .send(set_photos(mine, &atlas.token, &[(&stolen, &stolen)]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let history = admin::listing_history(&t.market, theirs).unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.action, ModerationAction::PhotoPurged);
    assert_eq!(last.actor, "Amina");
    assert_eq!(
        last.reason.as_deref(),
        Some(format!("{stolen}: copyright").as_str())
    );
    // Purging again is fine, and a bad hash is refused with its reason.
    purge(stolen.clone(), None).await.unwrap().unwrap();
    let err = purge("not-a-hash".to_owned(), None)
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("not-a-hash"), "{err}");
}

#[tokio::test]
async fn the_history_records_who_did_what_when_and_why_and_the_queue_lists_what_waits() {
    let t = test_market_with(ModerationPolicy::Manual);
    let device = t.enroll("atlas").await;
    let (first, second, draft) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    t.push(&device.token, vec![upsert(first, "Tapis", 100, 1)])
        .await;
    t.advance(1_000);
    t.push(
        &device.token,
        vec![
            upsert(second, "Bol", 100, 1),
            crate::status::with_status(draft, "Brouillon", Some("draft"), 1),
        ],
    )
    .await;
    let queue: Vec<Uuid> = admin::pending_listings(&t.market)
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(queue, [first, second], "oldest first, drafts not asked for");

    t.advance(1_000);
    admin::approve_listing_as(&t.market, first, "Amina").unwrap();
    t.advance(1_000);
    admin::reject_listing_as(&t.market, first, "Prix faux", "Youssef").unwrap();
    t.advance(1_000);
    t.push(&device.token, vec![upsert(first, "Tapis", 9_000, 2)])
        .await;
    let history: Vec<_> = admin::listing_history(&t.market, first)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.at_ms - crate::START_MS,
                e.actor,
                e.action,
                e.state,
                e.reason,
            )
        })
        .collect();
    let device_actor = format!("device {}", device.device_id);
    assert_eq!(
        history,
        [
            (
                0,
                device_actor.clone(),
                ModerationAction::Submitted,
                ModerationState::Pending,
                None
            ),
            (
                2_000,
                "Amina".to_owned(),
                ModerationAction::Approved,
                ModerationState::Approved,
                None
            ),
            (
                3_000,
                "Youssef".to_owned(),
                ModerationAction::Rejected,
                ModerationState::Rejected,
                Some("Prix faux".to_owned())
            ),
            (
                4_000,
                device_actor,
                ModerationAction::Edited,
                ModerationState::Pending,
                Some("changed: price".to_owned())
            ),
        ]
    );
    let queue: Vec<Uuid> = admin::pending_listings(&t.market)
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(queue, [second, first]);
}

/// The history is append-only in the database itself, not only in this
/// code: the engine refuses to rewrite it.
#[test]
fn the_database_refuses_to_rewrite_the_history() {
    if crate::BACKEND == crate::Backend::ScaleOut {
        let t = test_market();
        let url = t.database().unwrap().to_owned();
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(
                "INSERT INTO moderation_events (id, listing_id, at_ms, actor, action, state)
                 VALUES ('e', 'l', 1, 'a', 'approved', 'approved')",
            )
            .unwrap();
        assert!(
            client
                .batch_execute("UPDATE moderation_events SET actor = 'x'")
                .is_err()
        );
        assert!(
            client
                .batch_execute("DELETE FROM moderation_events")
                .is_err()
        );
    } else {
        let t = test_market();
        #[expect(
            clippy::disallowed_methods,
            reason = "going around the market on purpose"
        )]
        let conn = rusqlite::Connection::open(t.data_dir.join("market.db")).unwrap();
        conn.execute_batch(
            "INSERT INTO moderation_events (id, listing_id, at_ms, actor, action, state)
             VALUES ('e', 'l', 1, 'a', 'approved', 'approved')",
        )
        .unwrap();
        assert!(
            conn.execute_batch("UPDATE moderation_events SET actor = 'x'")
                .is_err()
        );
        assert!(conn.execute_batch("DELETE FROM moderation_events").is_err());
    }
}

/// An upload that began before its photo was purged does not bring it
/// back when it ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_under_way_does_not_bring_a_purged_photo_back() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let bytes = photo(21, 4_000);
    let sha = sha256_hex(&bytes);
    let location = crate::photos::create(&t, &device.token, &bytes).await;
    let (status, _) =
        crate::photos::send_chunk(&t, &device.token, &location, &bytes, 0, 2_000).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let market = t.market.clone();
    let purged = sha.clone();
    tokio::task::spawn_blocking(move || admin::purge_photo(&market, &purged, "Amina", None))
        .await
        .unwrap()
        .unwrap();

    let _ = crate::photos::send_chunk(&t, &device.token, &location, &bytes, 2_000, 4_000).await;
    assert_eq!(
        crate::photos::offset(&t, &device.token, &location).await.0,
        StatusCode::NOT_FOUND,
        "the upload is forgotten"
    );
    assert_eq!(
        crate::photos::missing(&t, &device.token, &[&sha]).await,
        [sha.as_str()]
    );
    assert!(t.stored_blob(&sha).await.is_none(), "its bytes are gone");
}
