use protocol::{ChangeOp, ChangeResult, Hlc, ListingField, Outcome, PushResponse, RejectReason};
use store::{
    Listing, ListingId, ListingInput, PendingChange, PendingOp, Price, PushAck, SyncState, Titles,
};
use uuid::Uuid;

use crate::push::{acks, conflicts, plan};

fn pending(seq: i64, op: PendingOp) -> PendingChange {
    let listing_id = match &op {
        PendingOp::Upsert(l) => l.id,
        PendingOp::Delete => ListingId::new(),
    };
    PendingChange {
        seq,
        change_id: Uuid::now_v7(),
        listing_id,
        op,
        hlc: None,
        base_version: None,
        fields: None,
        stock_delta: None,
        field_hlcs: None,
        stock_parts: Vec::new(),
        artisan_name: None,
        frozen: None,
    }
}

fn listing(title: &str, centimes: i64) -> Listing {
    let input = ListingInput::quick(
        Titles::from_single(title),
        Price::from_centimes(centimes).unwrap(),
    );
    Listing {
        id: ListingId::new(),
        titles: input.titles,
        descriptions: input.descriptions,
        category: input.category,
        price: input.price,
        stock: input.stock,
        unit: input.unit,
        dimensions: None,
        weight_grams: None,
        materials: None,
        origin: None,
        region: None,
        tags: Vec::new(),
        status: input.status,
        artisan: None,
        photos: Vec::new(),
        created_at_ms: 1,
        updated_at_ms: 2,
        deleted: false,
        sync: SyncState::Waiting,
        moderation: None,
        server_version: None,
    }
}

#[test]
fn plan_sends_current_state_under_the_newest_change_id() {
    let a = pending(3, PendingOp::Upsert(Box::new(listing("زربية", 450_000))));
    let b = pending(4, PendingOp::Delete);
    let request = plan(&[a.clone(), b.clone()]);
    assert_eq!(request.changes.len(), 2);
    assert_eq!(request.changes[0].change_id, a.change_id);
    assert_eq!(request.changes[0].listing_id, a.listing_id.uuid());
    match &request.changes[0].op {
        ChangeOp::Upsert { listing } => {
            assert_eq!(listing.title.ar.as_deref(), Some("زربية"));
            assert_eq!(listing.title.fr, None);
            assert_eq!(listing.price_centimes, 450_000);
            assert_eq!(listing.updated_at_ms, 2);
        }
        ChangeOp::Delete => panic!("expected an upsert"),
    }
    assert_eq!(request.changes[1].op, ChangeOp::Delete);
}

#[test]
fn acks_pair_outcomes_with_changes() {
    let a = pending(1, PendingOp::Upsert(Box::new(listing("Tapis", 1))));
    let b = pending(2, PendingOp::Upsert(Box::new(listing("Tajine", 2))));
    let c = pending(5, PendingOp::Upsert(Box::new(listing("Savon", 3))));
    let response = PushResponse {
        results: vec![
            ChangeResult {
                change_id: a.change_id,
                outcome: Outcome::Applied,
                version: None,
                stock: None,
            },
            ChangeResult {
                change_id: b.change_id,
                outcome: Outcome::Duplicate,
                version: None,
                stock: None,
            },
            ChangeResult {
                change_id: c.change_id,
                outcome: Outcome::Rejected {
                    reason: RejectReason::Invalid,
                },
                version: None,
                stock: None,
            },
        ],
        server_time_ms: None,
    };
    let got = acks(&[a.clone(), b.clone(), c.clone()], &response).unwrap();
    assert_eq!(
        got,
        vec![
            (a.listing_id, 1, PushAck::Accepted),
            (b.listing_id, 2, PushAck::Accepted),
            (
                c.listing_id,
                5,
                PushAck::Rejected {
                    reason: "invalid".into()
                }
            ),
        ]
    );
}

#[test]
fn acks_refuse_a_mismatched_answer() {
    let a = pending(1, PendingOp::Upsert(Box::new(listing("Tapis", 1))));
    let b = pending(2, PendingOp::Upsert(Box::new(listing("Tajine", 2))));
    let short = PushResponse {
        results: vec![ChangeResult {
            change_id: a.change_id,
            outcome: Outcome::Applied,
            version: None,
            stock: None,
        }],
        server_time_ms: None,
    };
    assert!(acks(&[a.clone(), b.clone()], &short).is_err());

    let swapped = PushResponse {
        results: vec![
            ChangeResult {
                change_id: b.change_id,
                outcome: Outcome::Applied,
                version: None,
                stock: None,
            },
            ChangeResult {
                change_id: a.change_id,
                outcome: Outcome::Applied,
                version: None,
                stock: None,
            },
        ],
        server_time_ms: None,
    };
    assert!(acks(&[a, b], &swapped).is_err());
}

#[test]
fn plan_sends_every_detail_with_the_clock_base_fields_and_delta() {
    let mut l = listing("Huile d'argan", 18_000);
    l.descriptions.fr = Some("Pressée à froid".into());
    l.category = store::Category::parse("argan-cosmetics").unwrap();
    l.stock = 12;
    l.unit = store::Unit::parse("litre").unwrap();
    l.dimensions = Some("25 cl".into());
    l.weight_grams = Some(300);
    l.materials = Some("argan".into());
    l.origin = Some("Tamanar".into());
    l.region = Some("Essaouira".into());
    l.tags = vec!["bio".into(), "cosmétique".into()];
    let mut p = pending(9, PendingOp::Upsert(Box::new(l)));
    p.hlc = Some(Hlc { ms: 5, counter: 2 });
    p.base_version = Some(41);
    p.fields = Some(vec![ListingField::Price, ListingField::Stock]);
    p.stock_delta = Some(-2);
    p.artisan_name = Some("Fatima Aït Baha".into());

    let change = &plan(std::slice::from_ref(&p)).changes[0];
    assert_eq!(change.hlc, Some(Hlc { ms: 5, counter: 2 }));
    assert_eq!(change.base_version, Some(41));
    assert_eq!(
        change.fields,
        Some(vec![ListingField::Price, ListingField::Stock])
    );
    assert_eq!(change.stock_delta, Some(-2));
    let ChangeOp::Upsert { listing } = &change.op else {
        panic!("expected an upsert");
    };
    assert_eq!(listing.description.fr.as_deref(), Some("Pressée à froid"));
    assert_eq!(listing.category.as_deref(), Some("argan-cosmetics"));
    assert_eq!(listing.stock, Some(12));
    assert_eq!(listing.unit.as_deref(), Some("litre"));
    assert_eq!(listing.dimensions.as_deref(), Some("25 cl"));
    assert_eq!(listing.weight_grams, Some(300));
    assert_eq!(listing.materials.as_deref(), Some("argan"));
    assert_eq!(listing.origin.as_deref(), Some("Tamanar"));
    assert_eq!(listing.region.as_deref(), Some("Essaouira"));
    assert_eq!(
        listing.tags,
        vec!["bio".to_owned(), "cosmétique".to_owned()]
    );
    assert_eq!(listing.artisan.as_deref(), Some("Fatima Aït Baha"));
}

#[test]
fn conflicts_carry_the_merged_listing_and_version() {
    let a = pending(1, PendingOp::Upsert(Box::new(listing("Tapis", 1))));
    let b = pending(2, PendingOp::Upsert(Box::new(listing("Tajine", 2))));
    let merged = crate::push::payload(&listing("Tapis ancien", 1), None);
    let response = PushResponse {
        results: vec![
            ChangeResult {
                change_id: a.change_id,
                outcome: Outcome::Conflict {
                    fields: vec![ListingField::Title],
                    listing: Box::new(merged.clone()),
                },
                version: Some(7),
                stock: None,
            },
            ChangeResult {
                change_id: b.change_id,
                outcome: Outcome::Applied,
                version: Some(8),
                stock: None,
            },
        ],
        server_time_ms: None,
    };
    assert_eq!(
        conflicts(&[a.clone(), b.clone()], &response),
        vec![(a.listing_id, merged, vec![ListingField::Title], Some(7))]
    );
    let got = acks(&[a, b], &response).unwrap();
    assert!(got.iter().all(|(_, _, ack)| *ack == PushAck::Accepted));
}

#[test]
fn chunks_shrink_on_timeouts_and_grow_back() {
    use crate::upload::{Chunk, MIN_CHUNK_BYTES, adapt_chunk};
    const MAX: usize = 256 * 1024;
    let mut size = MAX;
    let mut sizes = Vec::new();
    for _ in 0..6 {
        size = adapt_chunk(size, MAX, Chunk::TimedOut);
        sizes.push(size / 1024);
    }
    assert_eq!(sizes, vec![128, 64, 32, 16, 16, 16]);
    let mut sent = 0;
    while size < MAX {
        size = adapt_chunk(size, MAX, Chunk::Sent);
        sent += 1;
    }
    assert_eq!(size, MAX, "never past the configured size");
    assert!(sent > 10, "grows back gradually ({sent} chunks)");
    // A configured size below the floor is kept.
    assert_eq!(adapt_chunk(4096, 4096, Chunk::TimedOut), 4096);
    assert_eq!(
        adapt_chunk(MIN_CHUNK_BYTES, MAX, Chunk::Sent),
        MIN_CHUNK_BYTES + MIN_CHUNK_BYTES / 8
    );
}

/// `plan` over what a real catalog file queues for real edits.
#[test]
fn plan_of_real_edits_sends_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::open(&dir.path().join("catalog.db")).unwrap();
    let mut input =
        ListingInput::quick(Titles::from_single("Tajine"), Price::parse("250").unwrap());
    input.stock = 10;
    let id = store
        .create_listing(store::NewListing::validate(input).unwrap(), 1_000)
        .unwrap()
        .id;
    let send_and_ack = |store: &mut store::Store| {
        let pending = store.pending_changes(10).unwrap();
        let request = plan(&pending);
        let acks: Vec<_> = pending
            .iter()
            .map(|p| (p.listing_id, p.seq, PushAck::Accepted))
            .collect();
        store.record_acks(&acks, 1).unwrap();
        request.changes.into_iter().next().unwrap()
    };
    let edit = |store: &mut store::Store, now_ms: i64, f: &dyn Fn(&mut ListingInput)| {
        let mut input = store.listing(id).unwrap().unwrap().to_input();
        f(&mut input);
        store
            .update_listing(id, store::NewListing::validate(input).unwrap(), now_ms)
            .unwrap();
    };

    let created = send_and_ack(&mut store);
    assert_eq!(
        (created.fields, created.stock_delta, created.base_version),
        (None, None, None)
    );
    store.record_versions(&[(id, 12)]).unwrap();

    edit(&mut store, 2_000, &|l| {
        l.price = Price::parse("240").unwrap()
    });
    let price = send_and_ack(&mut store);
    assert_eq!(price.fields, Some(vec![ListingField::Price]));
    assert_eq!(price.stock_delta, None);
    assert_eq!(price.base_version, Some(12));
    assert!(price.hlc > created.hlc);

    edit(&mut store, 3_000, &|l| l.stock -= 1);
    edit(&mut store, 3_000, &|l| l.stock -= 1);
    let sales = send_and_ack(&mut store);
    assert_eq!(sales.fields, Some(vec![ListingField::Stock]));
    assert_eq!(sales.stock_delta, Some(-2));
    assert_eq!(
        sales.hlc,
        Some(Hlc {
            ms: 3_000,
            counter: 1
        })
    );
    assert!(sales.hlc > price.hlc);
    let ChangeOp::Upsert { listing } = &sales.op else {
        panic!("expected an upsert");
    };
    assert_eq!(listing.stock, Some(8), "the whole listing still travels");
}

#[test]
fn pulled_photos_are_mapped_and_a_list_with_a_bad_hash_is_refused_whole() {
    use protocol::{ListingPayload, ListingPhoto, ModerationState, PulledListing};
    let photo = |d: &str, t: &str| ListingPhoto {
        display: d.to_owned(),
        thumb: t.to_owned(),
    };
    let mut pulled = PulledListing {
        listing_id: Uuid::now_v7(),
        version: Some(4),
        deleted: false,
        listing: Some(ListingPayload {
            title: protocol::LocalizedText {
                fr: Some("Tapis".to_owned()),
                ..Default::default()
            },
            price_centimes: 100,
            updated_at_ms: 1,
            ..Default::default()
        }),
        moderation: ModerationState::Approved,
        rejection_reason: None,
        photos: Some(vec![photo(&"a".repeat(64), &"b".repeat(64))]),
        photos_awaited: Vec::new(),
        hlc: None,
    };
    let mapped = crate::pull::to_store(&pulled).unwrap().photos.unwrap();
    assert_eq!(
        mapped,
        vec![store::PulledPhoto {
            display: "a".repeat(64),
            thumb: "b".repeat(64)
        }]
    );
    for bad in ["../../../etc/passwd", &"A".repeat(64), &"a".repeat(63), ""] {
        pulled.photos = Some(vec![
            photo(&"a".repeat(64), &"b".repeat(64)),
            photo(&"c".repeat(64), bad),
        ]);
        let taken = crate::pull::to_store(&pulled).unwrap();
        assert_eq!(taken.photos, None, "{bad:?}");
        assert!(taken.content.is_some(), "the rest of the listing is taken");
    }
    pulled.photos = None;
    assert_eq!(crate::pull::to_store(&pulled).unwrap().photos, None);
}
