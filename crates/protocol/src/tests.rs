use super::*;

#[test]
fn change_wire_shape_is_flat_and_tagged() {
    let change = Change::whole(
        Uuid::nil(),
        Uuid::max(),
        ChangeOp::Upsert {
            listing: ListingPayload {
                title: LocalizedText {
                    ar: Some("زربية".into()),
                    fr: None,
                    en: None,
                },
                price_centimes: 450_000,
                updated_at_ms: 1,
                ..ListingPayload::default()
            },
        },
    );
    let json = serde_json::to_value(&change).unwrap();
    assert_eq!(json["op"], "upsert");
    assert_eq!(json["listing"]["title"]["ar"], "زربية");
    assert!(json["listing"]["title"].get("fr").is_none());
    // Fields added later in /v1 stay off the wire when empty, so the first
    // servers still read these changes.
    assert!(json["listing"].get("description").is_none());
    assert!(json.get("hlc").is_none());
    let back: Change = serde_json::from_value(json).unwrap();
    assert_eq!(back, change);

    let delete = serde_json::to_value(Change {
        op: ChangeOp::Delete,
        ..change
    })
    .unwrap();
    assert_eq!(delete["op"], "delete");
}

#[test]
fn outcome_wire_shape() {
    let r = ChangeResult {
        change_id: Uuid::nil(),
        outcome: Outcome::Rejected {
            reason: RejectReason::Forbidden,
        },
        version: None,
        stock: None,
    };
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        r#"{"change_id":"00000000-0000-0000-0000-000000000000","outcome":"rejected","reason":"forbidden"}"#
    );
}

#[test]
fn localized_text_falls_back() {
    let t = LocalizedText {
        ar: None,
        fr: Some("Tapis".into()),
        en: Some("Rug".into()),
    };
    assert_eq!(t.get("ar"), Some("Tapis"));
    assert_eq!(t.get("en"), Some("Rug"));
    assert_eq!(LocalizedText::default().get("fr"), None);
}

#[test]
fn pulled_listing_wire_shape() {
    let pulled = PulledListing {
        listing_id: Uuid::nil(),
        version: Some(3),
        deleted: false,
        listing: None,
        moderation: ModerationState::Rejected,
        rejection_reason: Some("photo missing".into()),
        photos: None,
        photos_awaited: Vec::new(),
        hlc: None,
    };
    let json = serde_json::to_value(&pulled).unwrap();
    assert!(json.get("photos_awaited").is_none());
    assert_eq!(json["moderation"], "rejected");
    assert_eq!(json["rejection_reason"], "photo missing");
    assert!(json.get("listing").is_none());
    let back: PulledListing = serde_json::from_value(json).unwrap();
    assert_eq!(back, pulled);
}

#[test]
fn hlc_ticks_forward_even_when_the_wall_clock_goes_back() {
    let a = Hlc::default().tick(1_000);
    assert_eq!(
        a,
        Hlc {
            ms: 1_000,
            counter: 0
        }
    );
    let b = a.tick(900);
    assert_eq!(
        b,
        Hlc {
            ms: 1_000,
            counter: 1
        }
    );
    assert!(b > a);
    let remote = Hlc {
        ms: 5_000,
        counter: 7,
    };
    let c = b.observe(remote, 1_100);
    assert!(c > remote && c > b);
    assert_eq!(
        c.tick(6_000),
        Hlc {
            ms: 6_000,
            counter: 0
        }
    );
}

#[test]
fn change_with_clock_fields_and_stock_delta_round_trips() {
    let change = Change {
        hlc: Some(Hlc { ms: 12, counter: 3 }),
        base_version: Some(41),
        fields: Some(vec![ListingField::Price, ListingField::WeightGrams]),
        stock_delta: Some(-2),
        ..Change::whole(Uuid::nil(), Uuid::max(), ChangeOp::Delete)
    };
    let json = serde_json::to_value(&change).unwrap();
    assert_eq!(json["hlc"]["counter"], 3);
    assert_eq!(json["fields"][1], "weight_grams");
    assert_eq!(json["stock_delta"], -2);
    assert_eq!(serde_json::from_value::<Change>(json).unwrap(), change);
}

/// A reading from the wire may hold the counter's last value (a device
/// sent it; the server passes counters on as they are): observing it must
/// still move past it, or this device's next edit ties with it.
#[test]
fn hlc_observes_past_a_counter_at_its_end() {
    let seen = Hlc {
        ms: 1_000,
        counter: u32::MAX,
    };
    let next = Hlc::default().observe(seen, 900);
    assert_eq!(
        next,
        Hlc {
            ms: 1_001,
            counter: 0
        }
    );
    assert!(next > seen);
    let last = Hlc {
        ms: i64::MAX,
        counter: u32::MAX,
    };
    assert_eq!(last.tick(0), last, "nothing is later than the last reading");
}
