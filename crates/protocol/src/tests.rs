use super::*;

#[test]
fn change_wire_shape_is_flat_and_tagged() {
    let change = Change {
        change_id: Uuid::nil(),
        listing_id: Uuid::max(),
        op: ChangeOp::Upsert {
            listing: ListingPayload {
                title: LocalizedText {
                    ar: Some("زربية".into()),
                    fr: None,
                    en: None,
                },
                price_centimes: 450_000,
                updated_at_ms: 1,
            },
        },
    };
    let json = serde_json::to_value(&change).unwrap();
    assert_eq!(json["op"], "upsert");
    assert_eq!(json["listing"]["title"]["ar"], "زربية");
    assert!(json["listing"]["title"].get("fr").is_none());
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
        deleted: false,
        listing: None,
        moderation: ModerationState::Rejected,
        rejection_reason: Some("photo missing".into()),
    };
    let json = serde_json::to_value(&pulled).unwrap();
    assert_eq!(json["moderation"], "rejected");
    assert_eq!(json["rejection_reason"], "photo missing");
    assert!(json.get("listing").is_none());
    let back: PulledListing = serde_json::from_value(json).unwrap();
    assert_eq!(back, pulled);
}
