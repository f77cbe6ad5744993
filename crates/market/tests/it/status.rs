//! A listing's status: `draft` and `archived` listings leave everything
//! public at once (catalog, search, pages, JSON) and come back when
//! republished; the cooperative's own devices still pull them.

use axum::http::StatusCode;
use protocol::{Change, ChangeOp, Hlc, ListingField, ListingPayload, LocalizedText, Outcome};
use uuid::Uuid;

use crate::{TestMarket, get, test_market};

/// A whole listing titled `title` with `status`, at `ms` on the device's clock.
pub(crate) fn with_status(id: Uuid, title: &str, status: Option<&str>, ms: i64) -> Change {
    Change {
        hlc: Some(Hlc { ms, counter: 0 }),
        ..Change::whole(
            Uuid::now_v7(),
            id,
            ChangeOp::Upsert {
                listing: ListingPayload {
                    title: LocalizedText {
                        fr: Some(title.to_owned()),
                        ..LocalizedText::default()
                    },
                    price_centimes: 12_000,
                    updated_at_ms: ms,
                    status: status.map(str::to_owned),
                    ..ListingPayload::default()
                },
            },
        )
    }
}

/// A change of the status alone, as the app sends an archive or a republish.
pub(crate) fn set_status(id: Uuid, status: &str, ms: i64) -> Change {
    Change {
        fields: Some(vec![ListingField::Status]),
        ..with_status(id, "ignored", Some(status), ms)
    }
}

/// Where the listing `id` with `word` in its title shows publicly:
/// (catalog JSON, listing JSON, home page, search page for `word`,
/// cooperative page, listing page). A page shows it if it links to it.
pub(crate) async fn shown(t: &TestMarket, id: Uuid, word: &str) -> [bool; 6] {
    let link = format!("/l/{id}");
    let catalog = t.catalog_ids().await.contains(&id);
    let (json, _) = t.send(get(&format!("/v1/listings/{id}"))).await;
    let page = |path: String| async move {
        let (status, body) = t.send(get(&path)).await;
        (status, String::from_utf8(body).unwrap())
    };
    let (_, home) = page("/?lang=fr".to_owned()).await;
    let (_, search) = page(format!("/search?q={word}&lang=fr")).await;
    let (_, coop) = page("/c/atlas?lang=fr".to_owned()).await;
    let (listing, _) = page(format!("/l/{id}?lang=fr")).await;
    [
        catalog,
        json == StatusCode::OK,
        home.contains(&link),
        search.contains(&link),
        coop.contains(&link),
        listing == StatusCode::OK,
    ]
}

pub(crate) const EVERYWHERE: [bool; 6] = [true; 6];
pub(crate) const NOWHERE: [bool; 6] = [false; 6];

#[tokio::test]
async fn archived_listings_leave_everything_public_and_come_back_when_republished() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(
        &device.token,
        vec![with_status(id, "Tapis Zemmour", Some("published"), 1)],
    )
    .await;
    assert_eq!(shown(&t, id, "Zemmour").await, EVERYWHERE);

    let archived = t
        .push(&device.token, vec![set_status(id, "archived", 2)])
        .await;
    assert_eq!(archived.results[0].outcome, Outcome::Applied);
    assert_eq!(shown(&t, id, "Zemmour").await, NOWHERE);
    // The cooperative's devices still have it, archived, title untouched.
    let pulled = t.pull(&device.token, None, None).await;
    let listing = pulled.changes[0].listing.as_ref().unwrap();
    assert_eq!(listing.status.as_deref(), Some("archived"));
    assert_eq!(listing.title.fr.as_deref(), Some("Tapis Zemmour"));

    t.push(&device.token, vec![set_status(id, "ready", 3)])
        .await;
    assert_eq!(shown(&t, id, "Zemmour").await, EVERYWHERE);
}

#[tokio::test]
async fn drafts_are_never_public_and_listings_without_a_status_are() {
    let t = test_market();
    let device = t.enroll("atlas").await;
    let (draft, older_app) = (Uuid::now_v7(), Uuid::now_v7());
    t.push(
        &device.token,
        vec![
            with_status(draft, "Brouillon Kilim", Some("draft"), 1),
            // An app from before statuses sends none: published, as before.
            with_status(older_app, "Plateau Thuya", None, 1),
        ],
    )
    .await;
    assert_eq!(shown(&t, draft, "Kilim").await, NOWHERE);
    assert_eq!(shown(&t, older_app, "Thuya").await, EVERYWHERE);
    let pulled = t.pull(&device.token, None, None).await;
    assert_eq!(pulled.changes.len(), 2, "the device pulls its drafts too");

    t.push(&device.token, vec![set_status(draft, "published", 2)])
        .await;
    assert_eq!(shown(&t, draft, "Kilim").await, EVERYWHERE);
    t.push(&device.token, vec![set_status(draft, "draft", 3)])
        .await;
    assert_eq!(shown(&t, draft, "Kilim").await, NOWHERE);
}

#[tokio::test]
async fn status_merges_field_by_field_with_other_laptops_edits() {
    let t = test_market();
    let laptop = t.enroll("atlas").await;
    let shop = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    t.push(
        &laptop.token,
        vec![with_status(id, "Tapis Azilal", Some("published"), 1)],
    )
    .await;
    // The shop's laptop archives at t=5; the first laptop, offline, had
    // retitled at t=3: both edits hold, and the listing stays off sale.
    t.push(&shop.token, vec![set_status(id, "archived", 5)])
        .await;
    let retitle = Change {
        fields: Some(vec![ListingField::Title]),
        ..with_status(id, "Tapis Azilal rouge", Some("published"), 3)
    };
    let answer = t.push(&laptop.token, vec![retitle]).await;
    assert_eq!(answer.results[0].outcome, Outcome::Applied);
    assert_eq!(shown(&t, id, "Azilal").await, NOWHERE);
    let pulled = t.pull(&laptop.token, None, None).await;
    let listing = pulled.changes[0].listing.as_ref().unwrap();
    assert_eq!(listing.status.as_deref(), Some("archived"));
    assert_eq!(listing.title.fr.as_deref(), Some("Tapis Azilal rouge"));
}
