//! Folded changes (a laptop's unsent edits sent as one): each field merged
//! by the clock of the edit that set it, each stock edit counted once
//! whichever laptop sends it in whichever fold. Found by `cargo xtask
//! torture` (seed 154).

use protocol::{Change, ChangeOp, Hlc, ListingField, ListingPayload, Outcome};
use uuid::Uuid;

use crate::merge::{created, edit, outcome, rug};
use crate::{TestMarket, test_market};

/// Found by `cargo xtask torture` (seed 154): a laptop folds its unsent
/// edits into one change, stamped with the newest edit's clock. A field
/// set by an older edit of the fold must keep that edit's clock
/// (`field_hlcs`), or it overwrites another laptop's later edit of it.
#[tokio::test]
async fn a_folded_field_keeps_the_clock_of_the_edit_that_set_it() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let (id, base) = created(&t, &a.token).await;

    // B sets the materials at t=3000. A set them at t=2000 and the price
    // at t=4000, and sends both in one change stamped t=4000.
    let by_b = ListingPayload {
        materials: Some("laine et soie".to_owned()),
        ..rug()
    };
    let response = t
        .push(
            &b.token,
            vec![edit(
                id,
                by_b,
                &[ListingField::Materials],
                3_000,
                Some(base),
            )],
        )
        .await;
    assert_eq!(outcome(&response), &Outcome::Applied);
    let by_a = ListingPayload {
        materials: Some("laine".to_owned()),
        price_centimes: 420_000,
        ..rug()
    };
    let mut folded = edit(
        id,
        by_a,
        &[ListingField::Materials, ListingField::Price],
        4_000,
        Some(base),
    );
    folded.field_hlcs = Some(
        [(
            ListingField::Materials,
            Hlc {
                ms: 2_000,
                counter: 0,
            },
        )]
        .into(),
    );
    let response = t.push(&a.token, vec![folded]).await;
    let Outcome::Conflict { fields, listing } = outcome(&response) else {
        panic!("{response:?}");
    };
    assert_eq!(fields, &[ListingField::Materials]);
    assert_eq!(listing.materials.as_deref(), Some("laine et soie"));
    assert_eq!(listing.price_centimes, 420_000, "A's later price is taken");

    // Without the field's own clock, the same fold would have won it.
    let mut unfolded = edit(
        id,
        ListingPayload {
            materials: Some("laine".to_owned()),
            ..rug()
        },
        &[ListingField::Materials],
        2_500,
        None,
    );
    unfolded.field_hlcs = None;
    let response = t.push(&a.token, vec![unfolded]).await;
    assert!(
        matches!(outcome(&response), Outcome::Conflict { .. }),
        "an edit at t=2500 still loses to t=3000: {response:?}"
    );
    let public = &t.catalog().await.listings[0];
    assert_eq!(public.materials.as_deref(), Some("laine et soie"));
    assert_eq!(public.price_centimes, 420_000);
}

/// The listing's stock as the marketplace has it.
async fn stock_now(t: &TestMarket, token: &str) -> Option<i64> {
    let pulled = t.pull(token, None, None).await;
    pulled.changes.last()?.listing.as_ref()?.stock
}

/// A catalog restored on a second laptop carries the first laptop's
/// unsent edits: both laptops send them, each folded with its own later
/// edits under another change id. Each stock edit is counted once
/// (`stock_parts`), and a new listing's whole stock only creates it.
#[tokio::test]
async fn stock_edits_sent_by_two_laptops_in_different_folds_count_once() {
    let t = test_market();
    let a = t.enroll("atlas").await;
    let b = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let part = |change_id: Uuid, delta: Option<i64>| protocol::StockPart { change_id, delta };
    let stock = |n: i64| ListingPayload {
        stock: Some(n),
        ..rug()
    };
    let (create, sale_a, restock_b, sale_b) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );

    // Laptop B (the restored copy) goes first: A's create (stock 4) and
    // A's sale of 1, both unsent when the backup was made, folded with
    // B's restock of 2 under B's change id: a new listing, stock 5.
    let mut from_b = Change {
        hlc: Some(Hlc {
            ms: 3_000,
            counter: 0,
        }),
        stock_delta: Some(1),
        stock_parts: vec![
            part(create, None),
            part(sale_a, Some(-1)),
            part(restock_b, Some(2)),
        ],
        ..Change::whole(restock_b, id, ChangeOp::Upsert { listing: stock(5) })
    };
    from_b.field_hlcs = None;
    let response = t.push(&b.token, vec![from_b]).await;
    assert_eq!(outcome(&response), &Outcome::Applied);
    assert_eq!(stock_now(&t, &a.token).await, Some(5));

    // Laptop A sends its create and its sale folded with another sale of
    // 1 (stock 2 here): only the new sale counts.
    let from_a = Change {
        hlc: Some(Hlc {
            ms: 2_500,
            counter: 0,
        }),
        stock_delta: Some(-2),
        stock_parts: vec![
            part(create, None),
            part(sale_a, Some(-1)),
            part(sale_b, Some(-1)),
        ],
        ..Change::whole(sale_b, id, ChangeOp::Upsert { listing: stock(2) })
    };
    let response = t.push(&a.token, vec![from_a]).await;
    assert!(
        matches!(
            outcome(&response),
            Outcome::Applied | Outcome::Conflict { .. }
        ),
        "{response:?}"
    );
    assert_eq!(
        stock_now(&t, &a.token).await,
        Some(4),
        "4 - 1 + 2 - 1: each edit once"
    );

    // A's create alone, sent again (say by a third copy): already counted.
    let again = Change {
        hlc: Some(Hlc {
            ms: 1_000,
            counter: 0,
        }),
        ..Change::whole(create, id, ChangeOp::Upsert { listing: stock(4) })
    };
    let response = t.push(&a.token, vec![again]).await;
    assert_eq!(outcome(&response), &Outcome::Duplicate);
    assert_eq!(stock_now(&t, &a.token).await, Some(4));
}
