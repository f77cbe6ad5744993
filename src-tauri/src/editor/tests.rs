use super::*;

/// A catalog with one listing the marketplace has (acknowledged), at
/// 4500 MAD with 5 in stock, and the editor's view of it.
fn opened() -> (
    tempfile::TempDir,
    store::Store,
    store::ListingId,
    ListingDetails,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store::open(&dir.path().join("catalog.db")).unwrap();
    let titles = store::Titles::from_single("Tapis Azilal");
    let new = store::NewListing::new(titles, store::Price::parse("4500").unwrap()).unwrap();
    let listing = s.create_listing(new, 1_000).unwrap();
    let mut input = listing.to_input();
    input.stock = 5;
    s.update_listing(
        listing.id,
        store::NewListing::validate(input).unwrap(),
        1_001,
    )
    .unwrap();
    let acks: Vec<_> = s
        .pending_changes(10)
        .unwrap()
        .iter()
        .map(|p| (p.listing_id, p.seq, store::PushAck::Accepted))
        .collect();
    s.record_acks(&acks, 1_002).unwrap();
    let loaded = details(&s, listing.id).unwrap();
    (dir, s, listing.id, loaded)
}

/// Another laptop's edit arrives by pull: `edit` applied to the listing.
fn pull(s: &mut store::Store, id: store::ListingId, edit: impl FnOnce(&mut store::ListingInput)) {
    let mut input = s.listing(id).unwrap().unwrap().to_input();
    edit(&mut input);
    let pulled = store::Pulled {
        id,
        version: Some(7),
        deleted: false,
        content: Some(store::PulledContent {
            input,
            updated_at_ms: 2_000,
            stock_unknown: false,
            status_unknown: false,
        }),
        moderation: store::Moderation::Approved,
        photos: None,
        photos_awaited: false,
        hlc: None,
    };
    let applied = s.apply_pulled(&[pulled], "7", 2_000).unwrap();
    assert_eq!(applied.changed, 1, "the pull was taken in");
}

#[test]
fn saving_an_unrelated_field_keeps_what_a_pull_brought_meanwhile() {
    let (_dir, mut s, id, loaded) = opened();
    pull(&mut s, id, |l| {
        l.price = store::Price::parse("3900").unwrap();
        l.stock = 3;
    });
    let mut typed = loaded.clone();
    typed.origin = "Azilal".into();
    let saved = save(&mut s, id, &loaded, &typed, 3_000).unwrap();
    assert_eq!(saved.price, store::Price::parse("3900").unwrap());
    assert_eq!(saved.stock, 3, "the sales counted elsewhere stay");
    assert_eq!(saved.origin.as_deref(), Some("Azilal"));
}

#[test]
fn the_managers_stock_change_is_a_delta_on_todays_count() {
    let (_dir, mut s, id, loaded) = opened();
    pull(&mut s, id, |l| l.stock = 3);
    let mut typed = loaded.clone();
    typed.stock = "7".into(); // two more woven here
    let saved = save(&mut s, id, &loaded, &typed, 3_000).unwrap();
    assert_eq!(saved.stock, 5);
}

#[test]
fn a_field_changed_on_both_sides_is_shown_not_overwritten_then_kept_on_request() {
    let (_dir, mut s, id, loaded) = opened();
    pull(&mut s, id, |l| {
        l.price = store::Price::parse("3900").unwrap()
    });
    let mut typed = loaded.clone();
    typed.price = "4200".into();
    typed.region = "Béni Mellal-Khénifra".into();
    let Err(AppError::EditedMeanwhile { fields, current }) =
        save(&mut s, id, &loaded, &typed, 3_000)
    else {
        panic!("expected EditedMeanwhile");
    };
    assert_eq!(fields, [ErrorField::Price]);
    assert_eq!(current.price, "3900");
    let now = s.listing(id).unwrap().unwrap();
    assert_eq!(
        now.price,
        store::Price::parse("3900").unwrap(),
        "nothing written"
    );
    assert_eq!(now.region, None, "nothing written");

    // "Keep mine": the editor saves again having seen the other value.
    let mut seen = loaded.clone();
    seen.price = current.price;
    let saved = save(&mut s, id, &seen, &typed, 3_001).unwrap();
    assert_eq!(saved.price, store::Price::parse("4200").unwrap());
    assert_eq!(saved.region.as_deref(), Some("Béni Mellal-Khénifra"));
}

#[test]
fn a_new_artisan_name_adds_the_artisan_and_an_unchanged_one_is_left_alone() {
    let (_dir, mut s, id, loaded) = opened();
    let mut typed = loaded.clone();
    typed.artisan = "Itto Ouhammou".into();
    let saved = save(&mut s, id, &loaded, &typed, 3_000).unwrap();
    let itto = s.artisan_by_name("Itto Ouhammou").unwrap().unwrap();
    assert_eq!(saved.artisan, Some(itto.id));

    let reopened = details(&s, id).unwrap();
    assert_eq!(reopened.artisan, "Itto Ouhammou");
    let mut typed = reopened.clone();
    typed.tags = "laine".into();
    let saved = save(&mut s, id, &reopened, &typed, 3_001).unwrap();
    assert_eq!(saved.artisan, Some(itto.id));
    assert_eq!(saved.tags, ["laine"]);
}

#[test]
fn a_typo_is_refused_by_field_before_anything_is_written() {
    let (_dir, mut s, id, loaded) = opened();
    let mut typed = loaded.clone();
    typed.stock = "douze".into();
    typed.artisan = "Nouvelle Artisane".into();
    assert!(matches!(
        save(&mut s, id, &loaded, &typed, 3_000),
        Err(AppError::Validation {
            field: ErrorField::Stock,
            ..
        })
    ));
    assert!(s.artisan_by_name("Nouvelle Artisane").unwrap().is_none());
}

/// This laptop's price edit (4000) was pushed and lost to another laptop's
/// later 5000: the merged answer is taken in, the lost value kept.
fn lost_price(s: &mut store::Store, id: store::ListingId) {
    let mut input = s.listing(id).unwrap().unwrap().to_input();
    input.price = store::Price::parse("4000").unwrap();
    s.update_listing(
        id,
        store::NewListing::validate(input.clone()).unwrap(),
        1_100,
    )
    .unwrap();
    let acks: Vec<_> = s
        .pending_changes(10)
        .unwrap()
        .iter()
        .map(|p| (p.listing_id, p.seq, store::PushAck::Accepted))
        .collect();
    s.record_acks(&acks, 1_101).unwrap();
    input.price = store::Price::parse("5000").unwrap();
    let merged = store::PulledContent {
        input,
        updated_at_ms: 1_200,
        stock_unknown: false,
        status_unknown: false,
    };
    s.take_merged(id, merged, &[protocol::ListingField::Price], Some(9), 1_300)
        .unwrap();
}

#[test]
fn lost_edits_show_both_values_and_taking_mine_back_queues_it() {
    let (_dir, mut s, id, _) = opened();
    assert_eq!(lost_edits(&s, id).unwrap(), None);
    lost_price(&mut s, id);
    let lost = lost_edits(&s, id).unwrap().expect("a lost edit");
    assert_eq!(lost.fields, vec![ErrorField::Price]);
    assert_eq!(
        (lost.mine.price.as_str(), lost.current.price.as_str()),
        ("4000", "5000")
    );
    assert_eq!(
        lost.mine.title_fr, lost.current.title_fr,
        "only the lost field differs"
    );

    settle(&mut s, id, ErrorField::Price, true, 1_400).unwrap();
    assert_eq!(lost_edits(&s, id).unwrap(), None);
    assert_eq!(details(&s, id).unwrap().price, "4000");
    assert_eq!(s.pending_count().unwrap(), 1, "goes out at the next sync");
}

#[test]
fn keeping_theirs_settles_without_sending_anything() {
    let (_dir, mut s, id, _) = opened();
    lost_price(&mut s, id);
    settle(&mut s, id, ErrorField::Price, false, 1_400).unwrap();
    assert_eq!(lost_edits(&s, id).unwrap(), None);
    assert_eq!(details(&s, id).unwrap().price, "5000");
    assert_eq!(s.pending_count().unwrap(), 0);
    assert!(settle(&mut s, id, ErrorField::Price, false, 1_500).is_err());
}
