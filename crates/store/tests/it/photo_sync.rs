use store::{PhotoRecord, PhotoToSend, PushAck};

use crate::new_listing;

fn photo(display: &str, thumb: &str) -> PhotoRecord {
    PhotoRecord {
        display_sha256: display.repeat(32),
        thumb_sha256: thumb.repeat(32),
        width: 1600,
        height: 1200,
        source_name: None,
    }
}

#[test]
fn a_photo_set_waits_until_marked_and_again_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let plain = store.create_listing(new_listing("Savon", "20"), 1).unwrap();
    let a = store
        .create_listing(new_listing("Tapis", "3200"), 2)
        .unwrap();
    let (p1, p2) = (photo("ab", "cd"), photo("ef", "01"));
    store.record_photo(&p1, 3).unwrap();
    store.record_photo(&p2, 3).unwrap();
    store
        .attach_photos(
            a.id,
            &[p1.display_sha256.clone(), p2.display_sha256.clone()],
            4,
        )
        .unwrap();

    // A listing without photos has nothing to send.
    let sets = store.photo_sets_to_send().unwrap();
    assert_eq!(sets.len(), 1, "{sets:?}");
    let set = &sets[0];
    assert_eq!(set.listing_id, a.id);
    assert!(
        !set.listing_live,
        "the server does not have the listing yet"
    );
    assert_eq!(
        set.photos,
        vec![
            PhotoToSend {
                display: p1.display_sha256.clone(),
                thumb: Some(p1.thumb_sha256.clone()),
            },
            PhotoToSend {
                display: p2.display_sha256.clone(),
                thumb: Some(p2.thumb_sha256.clone()),
            },
        ]
    );
    assert_eq!(set.hashes().count(), 4);
    assert_eq!(store.photos_waiting().unwrap(), 2);

    let pending = store.pending_changes(10).unwrap();
    let acks: Vec<_> = pending
        .iter()
        .map(|p| (p.listing_id, p.seq, PushAck::Accepted))
        .collect();
    store.record_acks(&acks, 5).unwrap();
    assert!(store.photo_sets_to_send().unwrap()[0].listing_live);

    store.mark_photos_synced(a.id, &set.key).unwrap();
    assert!(store.photo_sets_to_send().unwrap().is_empty());
    assert_eq!(store.photos_waiting().unwrap(), 0);

    // A new cover: the set is to be sent again; an unknown photo has no thumbnail.
    let unknown = "99".repeat(32);
    store
        .attach_photos(plain.id, std::slice::from_ref(&unknown), 6)
        .unwrap();
    let sets = store.photo_sets_to_send().unwrap();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].photos[0].thumb, None);
    assert_eq!(sets[0].hashes().collect::<Vec<_>>(), vec![unknown.as_str()]);
}

#[test]
fn an_upload_url_survives_reopening_until_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    let sha = "ab".repeat(32);
    {
        let store = store::open(&path).unwrap();
        assert_eq!(store.photo_upload_url(&sha).unwrap(), None);
        store
            .set_photo_upload_url(&sha, "http://m/v1/uploads/1", 1)
            .unwrap();
    }
    let store = store::open(&path).unwrap();
    assert_eq!(
        store.photo_upload_url(&sha).unwrap().as_deref(),
        Some("http://m/v1/uploads/1")
    );
    store
        .set_photo_upload_url(&sha, "http://m/v1/uploads/2", 2)
        .unwrap();
    assert_eq!(
        store.photo_upload_url(&sha).unwrap().as_deref(),
        Some("http://m/v1/uploads/2")
    );
    store.forget_photo_upload(&sha).unwrap();
    assert_eq!(store.photo_upload_url(&sha).unwrap(), None);
}

#[test]
fn photos_are_arranged_by_hand_and_the_new_order_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let rug = store
        .create_listing(new_listing("Tapis", "3200"), 1)
        .unwrap();
    let (p1, p2, p3) = (photo("ab", "cd"), photo("ef", "01"), photo("23", "45"));
    for p in [&p1, &p2, &p3] {
        store.record_photo(p, 2).unwrap();
    }
    let all = [&p1, &p2, &p3].map(|p| p.display_sha256.clone());
    store.attach_photos(rug.id, &all, 3).unwrap();
    let pending = store.pending_changes(10).unwrap();
    let acks: Vec<_> = pending
        .iter()
        .map(|p| (p.listing_id, p.seq, store::PushAck::Accepted))
        .collect();
    store.record_acks(&acks, 4).unwrap();
    let set = store.photo_sets_to_send().unwrap().remove(0);
    store.mark_photos_synced(rug.id, &set.key).unwrap();
    assert!(store.pending_changes(10).unwrap().is_empty());

    // The third photo becomes the cover, the second is taken off.
    let order = vec![all[2].clone(), all[0].clone()];
    let arranged = store.arrange_photos(rug.id, &order, 5).unwrap();
    assert_eq!(arranged.photos, order);
    assert_eq!(store.listing(rug.id).unwrap().unwrap().photos, order);
    assert_eq!(
        store.pending_changes(10).unwrap().len(),
        1,
        "the edit syncs"
    );
    let set = store.photo_sets_to_send().unwrap().remove(0);
    let sent: Vec<&str> = set.photos.iter().map(|p| p.display.as_str()).collect();
    assert_eq!(sent, [all[2].as_str(), all[0].as_str()], "cover first");

    // The same order again is no change; a photo it does not have, or one
    // twice, is refused and changes nothing.
    let before = store.pending_changes(10).unwrap();
    store.arrange_photos(rug.id, &order, 6).unwrap();
    assert_eq!(store.pending_changes(10).unwrap(), before);
    for bad in [vec![all[1].clone()], vec![all[0].clone(), all[0].clone()]] {
        let err = store.arrange_photos(rug.id, &bad, 7).unwrap_err();
        assert!(
            matches!(&err, store::Error::Validation(v) if v.field == store::Field::Photos),
            "{err}"
        );
    }
    assert_eq!(store.listing(rug.id).unwrap().unwrap().photos, order);
    assert!(matches!(
        store.arrange_photos(store::ListingId::new(), &[], 8),
        Err(store::Error::NotFound(_))
    ));
}
