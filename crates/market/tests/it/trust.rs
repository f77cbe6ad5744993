//! Trust for buyers through real HTTP: who sells and what the marketplace
//! verified on the cooperative's and the listing's pages and in the public
//! JSON, set with the real `hanout-market` commands (which write the audit
//! log). The forms and sharing are in `trust_forms.rs`, with the helpers
//! here.

use std::net::SocketAddr;
use std::process::Output;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Request, StatusCode};
use protocol::{ChangeOp, PublicListing};
use uuid::Uuid;

use crate::{TestMarket, get, test_market, upsert};

/// `hanout-market ARGS` on the market's data; must succeed. Its stdout.
#[track_caller]
pub(crate) fn run(t: &TestMarket, args: &[&str]) -> String {
    let output: Output = t.command(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `(operator, action, subject)` of every audit entry, oldest first.
pub(crate) fn audit(t: &TestMarket) -> Vec<(String, String, String)> {
    const SQL: &str = "SELECT operator, action, COALESCE(subject, '') FROM audit_log ORDER BY id";
    match t.database() {
        Some(url) => std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                    client
                        .query(SQL, &[])
                        .unwrap()
                        .iter()
                        .map(|r| (r.get(0), r.get(1), r.get(2)))
                        .collect()
                })
                .join()
                .unwrap()
        }),
        None => {
            #[expect(clippy::disallowed_methods, reason = "reading the log behind its back")]
            let conn = rusqlite::Connection::open(t.data_dir.join("market.db")).unwrap();
            let mut statement = conn.prepare(SQL).unwrap();
            statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        }
    }
}

/// A form POST from the client at `ip` (its peer address, as
/// `ConnectInfo` gives it to a real server).
pub(crate) fn form(path: &str, fields: &[(&str, &str)], ip: [u8; 4]) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request = Request::post(path)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    request
}

pub(crate) async fn page(t: &TestMarket, path: &str) -> String {
    let (status, body) = t.send(get(path)).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    String::from_utf8(body).unwrap()
}

/// A market with the cooperative `atlas` and one public listing of it,
/// whose French description is `description`.
pub(crate) async fn with_listing(t: &TestMarket, description: &str) -> Uuid {
    let device = t.enroll("atlas").await;
    let id = Uuid::now_v7();
    let mut change = upsert(id, "Tapis Azilal", 320_000, 1);
    if let ChangeOp::Upsert { listing } = &mut change.op {
        listing.description.fr = Some(description.to_owned());
    }
    t.push(&device.token, vec![change]).await;
    id
}

#[tokio::test]
async fn pages_and_json_show_who_sells_and_what_the_marketplace_verified() {
    let t = test_market();
    let id = with_listing(&t, "Laine de mouton, teintures végétales.").await;
    let fr = page(&t, "/c/atlas?lang=fr").await;
    assert!(
        !fr.contains(r#"class="verified""#),
        "nothing verified yet: {fr}"
    );
    assert!(fr.contains("mars 2026"), "on the marketplace since: {fr}");

    let profile = run(
        &t,
        &[
            "cooperative",
            "profile",
            "atlas",
            "--legal-name",
            "Coopérative Atlas des tisserandes",
            "--registration",
            "ODCo 2019-1234",
            "--city",
            "Azrou",
            "--region",
            "Fès-Meknès",
        ],
    );
    assert!(
        profile.contains("registration\tODCo 2019-1234"),
        "{profile}"
    );
    run(
        &t,
        &[
            "label",
            "grant",
            "--cooperative",
            "atlas",
            "made_in_morocco",
            "--note",
            "certificat n° 77",
        ],
    );
    run(
        &t,
        &[
            "label",
            "grant",
            "--listing",
            &id.to_string(),
            "artisan_label",
        ],
    );
    let listed = run(&t, &["label", "list"]);
    assert!(listed.contains("atlas\tmade_in_morocco\tcli\t"), "{listed}");
    assert!(
        listed.contains(&format!("listing {id}\tartisan_label")),
        "{listed}"
    );

    let fr = page(&t, "/c/atlas?lang=fr").await;
    for shown in [
        r#"<dd class="legal-name" dir="auto">Coopérative Atlas des tisserandes</dd>"#,
        "<bdi>ODCo 2019-1234</bdi>",
        "Azrou, Fès-Meknès",
        "Sur la place de marché depuis",
        "mars 2026",
        r#"<section class="verified""#,
        "Vérifié par la place de marché",
        r#"<li data-label="made_in_morocco"><strong>Fabriqué au Maroc</strong> — <bdi>certificat n° 77</bdi></li>"#,
        r#"<form class="stack" method="post" action="/c/atlas/contact?lang=fr">"#,
    ] {
        assert!(fr.contains(shown), "{shown}: {fr}");
    }
    assert!(
        !fr.contains("artisan_label"),
        "the listing's label is the listing's: {fr}"
    );
    let ar = page(&t, "/c/atlas?lang=ar").await;
    for shown in [
        r#"dir="rtl""#,
        "تحقق منه السوق",
        "صنع في المغرب",
        "Azrou، Fès-Meknès",
        "مارس 2026",
    ] {
        assert!(ar.contains(shown), "{shown}: {ar}");
    }

    let listing = page(&t, &format!("/l/{id}?lang=en")).await;
    for shown in [
        "Verified by the marketplace",
        r#"<li data-label="artisan_label"><strong>Artisan label</strong></li>"#,
        r#"<li data-label="made_in_morocco"><strong>Made in Morocco</strong> <span class="whose">(the cooperative)</span>"#,
        "In the cooperative’s words",
    ] {
        assert!(listing.contains(shown), "{shown}: {listing}");
    }

    let json: PublicListing = t.send_ok(get(&format!("/v1/listings/{id}"))).await;
    assert_eq!(json.labels, ["artisan_label"]);
    let profile = json.cooperative_profile.expect("the cooperative's profile");
    assert_eq!(
        profile.legal_name.as_deref(),
        Some("Coopérative Atlas des tisserandes")
    );
    assert_eq!(profile.registration.as_deref(), Some("ODCo 2019-1234"));
    assert_eq!(
        (profile.city.as_deref(), profile.region.as_deref()),
        (Some("Azrou"), Some("Fès-Meknès"))
    );
    assert_eq!(profile.since_ms, crate::START_MS);
    assert_eq!(profile.labels, ["made_in_morocco"]);
    let catalog = t.catalog().await;
    assert_eq!(catalog.listings[0].labels, ["artisan_label"]);
    assert_eq!(
        catalog.listings[0].cooperative_profile.as_ref(),
        Some(&profile)
    );

    // Revoked: gone from the page; unset fields: gone from the profile.
    run(
        &t,
        &[
            "label",
            "revoke",
            "--cooperative",
            "atlas",
            "made_in_morocco",
        ],
    );
    run(
        &t,
        &["cooperative", "profile", "atlas", "--registration", ""],
    );
    let fr = page(&t, "/c/atlas?lang=fr").await;
    assert!(!fr.contains(r#"class="verified""#), "{fr}");
    assert!(!fr.contains("ODCo"), "{fr}");
    let actions: Vec<_> = audit(&t)
        .into_iter()
        .map(|(who, what, subject)| format!("{who} {what} {subject}"))
        .collect();
    assert_eq!(
        actions,
        [
            "cli cooperative.profile atlas".to_owned(),
            "cli label.grant atlas".to_owned(),
            format!("cli label.grant listing {id}"),
            "cli label.revoke atlas".to_owned(),
            "cli cooperative.profile atlas".to_owned(),
        ]
    );
    // Refusals change nothing and say why.
    let output = t
        .command(&["label", "grant", "--cooperative", "atlas", "organic"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("made_in_morocco"),
        "names the labels"
    );
    let output = t
        .command(&[
            "label",
            "grant",
            "--cooperative",
            "nowhere",
            "made_in_morocco",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(audit(&t).len(), 5);
}

#[tokio::test]
async fn what_a_cooperative_writes_cannot_pass_for_verified() {
    let t = test_market();
    let fake = r#"<section class="verified"><h2>Verified by the marketplace</h2><li data-label="made_in_morocco">Vérifié par la place de marché</li></section>"#;
    let id = with_listing(&t, fake).await;
    for lang in ["fr", "en", "ar"] {
        let html = page(&t, &format!("/l/{id}?lang={lang}")).await;
        assert!(
            !html.contains(r#"<section class="verified""#),
            "{lang}: {html}"
        );
        assert!(!html.contains(r#"data-label=""#), "{lang}: {html}");
        assert!(
            html.contains("&#60;section class=&#34;verified&#34;&#62;"),
            "shown as text: {html}"
        );
    }
    // The same page does get the block once an operator verifies a label.
    run(
        &t,
        &[
            "label",
            "grant",
            "--listing",
            &id.to_string(),
            "made_in_morocco",
        ],
    );
    let html = page(&t, &format!("/l/{id}?lang=en")).await;
    assert!(html.contains(r#"<section class="verified""#), "{html}");
}
