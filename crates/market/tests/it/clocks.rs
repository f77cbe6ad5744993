//! Device clocks the server does not trust blindly: a reading beyond its own
//! time plus `protocol::MAX_CLOCK_SKEW_MS` is clamped (and the clamped
//! stamp is what pull hands out), the push answer carries the server's
//! time, and the public catalog is ordered by the server's receive time.

use protocol::{Change, ChangeOp, Hlc, ListingField, ListingPayload, LocalizedText, Outcome};
use uuid::Uuid;

use crate::{START_MS, test_market};

const YEAR_MS: i64 = 365 * 24 * 60 * 60 * 1000;

fn titled(
    id: Uuid,
    title: &str,
    price: i64,
    hlc_ms: i64,
    fields: Option<Vec<ListingField>>,
) -> Change {
    Change {
        hlc: Some(Hlc {
            ms: hlc_ms,
            counter: 0,
        }),
        fields,
        ..Change::whole(
            Uuid::now_v7(),
            id,
            ChangeOp::Upsert {
                listing: ListingPayload {
                    title: LocalizedText {
                        fr: Some(title.to_owned()),
                        ..LocalizedText::default()
                    },
                    price_centimes: price,
                    updated_at_ms: hlc_ms,
                    ..ListingPayload::default()
                },
            },
        )
    }
}

#[tokio::test]
async fn a_clock_months_ahead_is_clamped_and_never_handed_out() {
    let t = test_market();
    let ahead = t.enroll("atlas").await;
    let right = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let answer = t
        .push(
            &ahead.token,
            vec![titled(id, "Tapis", 100, START_MS + YEAR_MS, None)],
        )
        .await;
    assert_eq!(answer.server_time_ms, Some(START_MS));
    let limit = START_MS + protocol::MAX_CLOCK_SKEW_MS;

    let pulled = t.pull(&right.token, None, None).await;
    let change = &pulled.changes[0];
    assert_eq!(
        change.hlc.map(|h| h.ms),
        Some(limit),
        "pull hands out the clamped stamp"
    );
    let listing = change.listing.as_ref().unwrap();
    assert!(listing.updated_at_ms <= limit, "{}", listing.updated_at_ms);

    // Once the real time passes the clamped stamp, a laptop with a right
    // clock wins the field again — not a year later.
    t.advance(protocol::MAX_CLOCK_SKEW_MS + 1);
    let now = START_MS + protocol::MAX_CLOCK_SKEW_MS + 1;
    let reprice = titled(id, "Tapis", 250, now, Some(vec![ListingField::Price]));
    let answer = t.push(&right.token, vec![reprice]).await;
    assert_eq!(answer.results[0].outcome, Outcome::Applied);
    assert_eq!(t.catalog().await.listings[0].price_centimes, 250);
}

#[tokio::test]
async fn the_catalog_is_ordered_by_the_servers_receive_time() {
    let t = test_market();
    let ahead = t.enroll("atlas").await;
    let behind = t.enroll("atlas").await;
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    t.push(
        &ahead.token,
        vec![titled(first, "Tapis", 100, START_MS + YEAR_MS, None)],
    )
    .await;
    t.advance(1_000);
    // A laptop whose date is years behind: its listing is still the newest.
    t.push(&behind.token, vec![titled(second, "Bol", 100, 1_000, None)])
        .await;
    assert_eq!(t.catalog_ids().await, [second, first]);

    // A sale (stock only) is not news; a new title is.
    t.advance(1_000);
    let mut sale = titled(
        first,
        "Tapis",
        100,
        START_MS + 2_000,
        Some(vec![ListingField::Stock]),
    );
    sale.stock_delta = Some(-1);
    t.push(&ahead.token, vec![sale]).await;
    assert_eq!(t.catalog_ids().await, [second, first]);
    t.advance(1_000);
    let retitle = titled(
        first,
        "Tapis rouge",
        100,
        START_MS + YEAR_MS + 1,
        Some(vec![ListingField::Title]),
    );
    t.push(&ahead.token, vec![retitle]).await;
    assert_eq!(t.catalog_ids().await, [first, second]);
}
