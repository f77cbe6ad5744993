//! Field-by-field merge of concurrent edits from a cooperative's laptops:
//! hybrid logical clocks per field, stock as summed deltas, conflicts
//! answered with the server's version.

use protocol::{
    Change, ChangeOp, Hlc, ListingField, ListingPayload, LocalizedText, Outcome, PushResponse,
};
use uuid::Uuid;

use crate::{TestMarket, test_market};

pub(crate) fn rug() -> ListingPayload {
    ListingPayload {
        title: LocalizedText {
            ar: Some("زربية بني ورين".to_owned()),
            fr: Some("Tapis Beni Ouarain".to_owned()),
            en: None,
        },
        price_centimes: 450_000,
        updated_at_ms: 1_000,
        description: LocalizedText {
            fr: Some("Laine naturelle, nouée à la main.".to_owned()),
            ..LocalizedText::default()
        },
        category: Some("carpets".to_owned()),
        stock: Some(4),
        unit: Some("piece".to_owned()),
        dimensions: Some("200 × 300 cm".to_owned()),
        weight_grams: Some(12_000),
        materials: Some("laine".to_owned()),
        origin: Some("Azrou".to_owned()),
        region: Some("Fès-Meknès".to_owned()),
        tags: vec!["berbère".to_owned(), "fait main".to_owned()],
        artisan: Some("Fatima Ait Lahcen".to_owned()),
        status: None,
    }
}

/// An edit of `fields` made at `ms` on a device, based on `base`.
pub(crate) fn edit(
    listing_id: Uuid,
    listing: ListingPayload,
    fields: &[ListingField],
    ms: i64,
    base: Option<i64>,
) -> Change {
    Change {
        hlc: Some(Hlc { ms, counter: 0 }),
        base_version: base,
        fields: Some(fields.to_vec()),
        ..Change::whole(Uuid::now_v7(), listing_id, ChangeOp::Upsert { listing })
    }
}

fn sale(listing_id: Uuid, units: i64, ms: i64, base: Option<i64>) -> Change {
    Change {
        stock_delta: Some(-units),
        ..edit(listing_id, rug(), &[ListingField::Stock], ms, base)
    }
}

pub(crate) async fn created(t: &TestMarket, token: &str) -> (Uuid, i64) {
    let id = Uuid::now_v7();
    let response = t
        .push(
            token,
            vec![edit(id, rug(), &ListingField::ALL, 1_000, None)],
        )
        .await;
    assert_eq!(response.results[0].outcome, Outcome::Applied);
    (id, response.results[0].version.unwrap())
}

pub(crate) fn outcome(response: &PushResponse) -> &Outcome {
    &response.results[0].outcome
}

#[tokio::test]
async fn details_reach_the_catalog_and_the_other_laptops() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, version) = created(&t, &a.token).await;

    let public = &t.catalog().await.listings[0];
    assert_eq!(public.artisan.as_deref(), Some("Fatima Ait Lahcen"));
    assert_eq!(public.origin.as_deref(), Some("Azrou"));
    assert_eq!(public.region.as_deref(), Some("Fès-Meknès"));
    assert_eq!(
        public.description.fr.as_deref(),
        Some("Laine naturelle, nouée à la main.")
    );

    let pulled = t.pull(&b.token, None, None).await;
    assert_eq!(pulled.changes.len(), 1);
    assert_eq!(pulled.changes[0].listing_id, id);
    assert_eq!(pulled.changes[0].version, Some(version));
    assert_eq!(pulled.changes[0].listing.as_ref(), Some(&rug()));
    assert_eq!(
        pulled.changes[0].hlc,
        Some(Hlc {
            ms: 1_000,
            counter: 0
        }),
        "the clock of its latest write"
    );
}

#[tokio::test]
async fn edits_of_different_fields_on_two_laptops_both_stay() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, base) = created(&t, &a.token).await;

    // Offline, laptop A changes the price at t=5000 and laptop B the
    // French title at t=3000; A's edit arrives first.
    let priced = ListingPayload {
        price_centimes: 399_000,
        ..rug()
    };
    let retitled = ListingPayload {
        title: LocalizedText {
            fr: Some("Tapis Beni Ouarain ancien".to_owned()),
            ..rug().title
        },
        ..rug()
    };
    let first = t
        .push(
            &a.token,
            vec![edit(id, priced, &[ListingField::Price], 5_000, Some(base))],
        )
        .await;
    let second = t
        .push(
            &b.token,
            vec![edit(
                id,
                retitled,
                &[ListingField::Title],
                3_000,
                Some(base),
            )],
        )
        .await;
    assert_eq!(outcome(&first), &Outcome::Applied);
    assert_eq!(outcome(&second), &Outcome::Applied);
    let (v1, v2) = (first.results[0].version, second.results[0].version);
    assert!(v1.unwrap() > base && v2.unwrap() > v1.unwrap());

    let listing = &t.catalog().await.listings[0];
    assert_eq!(listing.price_centimes, 399_000);
    assert_eq!(
        listing.title.fr.as_deref(),
        Some("Tapis Beni Ouarain ancien")
    );
    assert_eq!(
        listing.origin.as_deref(),
        Some("Azrou"),
        "untouched fields stay"
    );
}

#[tokio::test]
async fn the_later_clock_wins_a_field_and_the_loser_hears_the_result() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, base) = created(&t, &a.token).await;
    let at = |price| ListingPayload {
        price_centimes: price,
        ..rug()
    };

    // B's edit is later by clock but arrives first; A's older one then
    // loses the price and is told what it is.
    let later = t
        .push(
            &b.token,
            vec![edit(
                id,
                at(480_000),
                &[ListingField::Price],
                9_000,
                Some(base),
            )],
        )
        .await;
    assert_eq!(outcome(&later), &Outcome::Applied);
    let older = t
        .push(
            &a.token,
            vec![edit(
                id,
                at(420_000),
                &[ListingField::Price],
                7_000,
                Some(base),
            )],
        )
        .await;
    let Outcome::Conflict { fields, listing } = outcome(&older) else {
        panic!("expected a conflict, got {:?}", outcome(&older));
    };
    assert_eq!(fields, &[ListingField::Price]);
    assert_eq!(listing.price_centimes, 480_000);
    assert_eq!(t.catalog().await.listings[0].price_centimes, 480_000);
    // Nothing changed, so the version did not move.
    assert_eq!(older.results[0].version, later.results[0].version);
}

#[tokio::test]
async fn sales_on_two_laptops_add_up_and_a_replay_counts_once() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, base) = created(&t, &a.token).await;

    let sold_by_a = sale(id, 1, 2_000, Some(base));
    let sold_by_b = sale(id, 2, 2_000, Some(base));
    for (token, change) in [(&a.token, &sold_by_a), (&b.token, &sold_by_b)] {
        let response = t.push(token, vec![change.clone()]).await;
        assert_eq!(outcome(&response), &Outcome::Applied);
    }
    // The link dropped before A heard the answer: it sends the sale again.
    let replay = t.push(&a.token, vec![sold_by_a]).await;
    assert_eq!(outcome(&replay), &Outcome::Duplicate);

    let pulled = t.pull(&a.token, None, None).await;
    let stock = pulled.changes[0].listing.as_ref().unwrap().stock;
    assert_eq!(stock, Some(1), "4 in stock, 1 + 2 sold");
}

#[tokio::test]
async fn a_delete_later_than_an_edit_wins_and_an_earlier_one_does_not() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, base) = created(&t, &a.token).await;
    let delete_at = |ms| Change {
        hlc: Some(Hlc { ms, counter: 0 }),
        ..Change::whole(Uuid::now_v7(), id, ChangeOp::Delete)
    };

    let deleted = t.push(&a.token, vec![delete_at(6_000)]).await;
    assert_eq!(outcome(&deleted), &Outcome::Applied);
    // B edited before the delete (by clock): the listing stays deleted.
    let stale = t
        .push(
            &b.token,
            vec![edit(id, rug(), &[ListingField::Title], 5_000, Some(base))],
        )
        .await;
    assert!(matches!(outcome(&stale), Outcome::Conflict { .. }));
    assert!(t.catalog().await.listings.is_empty());
    // An edit after the delete brings it back.
    let revived = t
        .push(
            &b.token,
            vec![edit(id, rug(), &[ListingField::Title], 8_000, Some(base))],
        )
        .await;
    assert_eq!(outcome(&revived), &Outcome::Applied);
    assert_eq!(t.catalog().await.listings.len(), 1);
    // And a delete from before that revival loses.
    let late_delete = t.push(&a.token, vec![delete_at(7_000)]).await;
    assert!(matches!(outcome(&late_delete), Outcome::Conflict { .. }));
    assert_eq!(t.catalog().await.listings.len(), 1);
}

#[tokio::test]
async fn a_new_listing_needs_a_title_whatever_fields_it_names() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let untitled = ListingPayload {
        title: LocalizedText::default(),
        ..rug()
    };
    let response = t
        .push(
            &a.token,
            vec![edit(
                Uuid::now_v7(),
                untitled,
                &[ListingField::Price],
                1_000,
                None,
            )],
        )
        .await;
    assert!(matches!(outcome(&response), Outcome::Rejected { .. }));
    assert!(t.catalog().await.listings.is_empty());
}

#[tokio::test]
async fn one_batch_may_touch_a_listing_several_times() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let create = edit(id, rug(), &ListingField::ALL, 1_000, None);
    let reprice = edit(
        id,
        ListingPayload {
            price_centimes: 460_000,
            ..rug()
        },
        &[ListingField::Price],
        2_000,
        None,
    );
    let sold = sale(id, 1, 3_000, None);
    let response = t
        .push(
            &a.token,
            vec![create.clone(), reprice, create.clone(), sold],
        )
        .await;
    let outcomes: Vec<&Outcome> = response.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            &Outcome::Applied,
            &Outcome::Applied,
            &Outcome::Duplicate,
            &Outcome::Applied
        ]
    );
    let versions: Vec<i64> = response
        .results
        .iter()
        .map(|r| r.version.unwrap())
        .collect();
    assert!(
        versions[0] < versions[1] && versions[1] < versions[3],
        "{versions:?}"
    );
    assert_eq!(
        versions[2], versions[1],
        "the replay names the version it found"
    );

    let pulled = t.pull(&a.token, None, None).await;
    assert_eq!(pulled.changes.len(), 1);
    assert_eq!(pulled.changes[0].version, Some(versions[3]));
    let listing = pulled.changes[0].listing.as_ref().unwrap();
    assert_eq!((listing.price_centimes, listing.stock), (460_000, Some(3)));
}

#[tokio::test]
async fn an_edit_made_after_a_delete_keeps_the_listing_whatever_arrives_first() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, base) = created(&t, &a.token).await;
    // B edits at t=9000, A deleted at t=7000 while offline; B arrives first.
    let edited = t
        .push(
            &b.token,
            vec![edit(
                id,
                rug(),
                &[ListingField::Description],
                9_000,
                Some(base),
            )],
        )
        .await;
    assert_eq!(outcome(&edited), &Outcome::Applied);
    let delete = Change {
        hlc: Some(Hlc {
            ms: 7_000,
            counter: 0,
        }),
        ..Change::whole(Uuid::now_v7(), id, ChangeOp::Delete)
    };
    let deleted = t.push(&a.token, vec![delete]).await;
    let Outcome::Conflict { listing, .. } = outcome(&deleted) else {
        panic!("expected a conflict, got {:?}", outcome(&deleted));
    };
    assert_eq!(
        listing.title,
        rug().title,
        "A hears what it would have lost"
    );
    assert_eq!(t.catalog().await.listings.len(), 1);
}
