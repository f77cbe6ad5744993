//! What buyers are told they can trust, from the console: a buyer's report
//! reaches the queue and a moderator closes it; an admin sets who sells and
//! grants a verified label, and the public pages show them; a buyer's
//! message is read and marked; moderators cannot grant labels.

use market::ModerationPolicy;
use market::admin::{self, OperatorRole};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::console::{Browser, serve};
use crate::{test_market_with, upsert};

const PASSWORD: &str = "argan oil from Taroudant";

#[tokio::test]
async fn reports_labels_profiles_and_messages_from_the_console() {
    let t = test_market_with(ModerationPolicy::Auto);
    let device = t.enroll("atlas").await;
    let rug = Uuid::now_v7();
    t.push(
        &device.token,
        vec![upsert(rug, "Tapis Beni Ouarain", 450_000, 1)],
    )
    .await;
    let base = serve(&t).await;
    let coop_id = device.cooperative.id.to_string();

    // A buyer reports the rug and writes to the cooperative.
    let mut buyer = Browser::new(&base);
    let answer = buyer
        .post(
            &format!("/l/{rug}/report"),
            &[
                ("reason", "not_handmade"),
                ("details", "Vu le même en usine"),
                ("website", ""),
            ],
        )
        .await;
    assert!(answer.status.is_success(), "{}", answer.status);
    let answer = buyer
        .post(
            "/c/atlas/contact",
            &[
                ("name", "Claire"),
                ("reply_to", "claire@example.fr"),
                ("message", "Livrez-vous à Lyon ?"),
                ("listing", &rug.to_string()),
                ("website", ""),
            ],
        )
        .await;
    assert!(answer.status.is_success(), "{}", answer.status);

    // A moderator: the report is in the reported tab, and closes once.
    let setup =
        admin::add_operator(&t.market, "salma@chambre.ma", OperatorRole::Moderator).unwrap();
    let mut salma = Browser::new(&base);
    salma.set_up(&setup, PASSWORD).await;
    let queue = salma.get("/admin/queue?tab=reported").await.body;
    assert!(queue.contains(&format!("data-id=\"{rug}\"")), "{queue}");
    let preview = salma.get(&format!("/admin/listings/{rug}")).await.body;
    assert!(preview.contains("Vu le même en usine"));
    let at = preview.find("data-report=\"").unwrap() + "data-report=\"".len();
    let report = preview[at..at + 36].to_owned();
    let csrf = Browser::csrf(&preview);
    let close = format!("/admin/reports/{report}/close");
    let form = [
        ("csrf", csrf.as_str()),
        ("state", "dismissed"),
        ("listing", &rug.to_string()),
    ];
    assert_eq!(
        salma.post(&close, &form).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        salma.post(&close, &form).await.status,
        StatusCode::NOT_FOUND
    );
    let queue = salma.get("/admin/queue?tab=reported").await.body;
    assert!(!queue.contains(&format!("data-id=\"{rug}\"")));

    // The buyer's message, marked forwarded.
    let inbox = salma.get("/admin/messages").await.body;
    assert!(inbox.contains("Livrez-vous à Lyon ?") && inbox.contains("claire@example.fr"));
    let at = inbox.find("data-message=\"").unwrap() + "data-message=\"".len();
    let message = inbox[at..at + 36].to_owned();
    let answer = salma
        .post(
            &format!("/admin/messages/{message}"),
            &[("csrf", &csrf), ("state", "forwarded")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(
        salma
            .get("/admin/messages")
            .await
            .body
            .contains("data-state=\"forwarded\"")
    );

    // A moderator grants no label.
    let grant = [
        ("csrf", csrf.as_str()),
        ("subject", "cooperative"),
        ("id", coop_id.as_str()),
        ("label", "made_in_morocco"),
        ("op", "grant"),
    ];
    assert_eq!(
        salma.post("/admin/labels", &grant).await.status,
        StatusCode::FORBIDDEN
    );
    let page = buyer.get("/c/atlas?lang=fr").await.body;
    assert!(!page.contains("data-label=\"made_in_morocco\""));

    // An admin does, and sets who sells: the public page shows both.
    let setup = admin::add_operator(&t.market, "amina@chambre.ma", OperatorRole::Admin).unwrap();
    let mut amina = Browser::new(&base);
    amina.set_up(&setup, PASSWORD).await;
    let csrf = Browser::csrf(&amina.get("/admin/cooperatives").await.body);
    let mut grant = grant;
    grant[0].1 = &csrf;
    assert_eq!(
        amina.post("/admin/labels", &grant).await.status,
        StatusCode::SEE_OTHER
    );
    let answer = amina
        .post(
            "/admin/cooperatives/atlas/profile",
            &[
                ("csrf", &csrf),
                ("legal_name", "Coopérative Atlas des tisserandes"),
                ("registration", "ODCO 2014-117"),
                ("city", "Azrou"),
                ("region", "Fès-Meknès"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let page = buyer.get("/c/atlas?lang=fr").await.body;
    for shown in [
        "data-label=\"made_in_morocco\"",
        "Coopérative Atlas des tisserandes",
        "ODCO 2014-117",
        "Azrou",
    ] {
        assert!(
            page.contains(shown),
            "{shown} missing from the cooperative's page"
        );
    }
    let cooperatives = amina.get("/admin/cooperatives").await.body;
    assert!(cooperatives.contains("data-label=\"made_in_morocco\" data-granted=\"true\""));

    // Taken back from the listing page's block too.
    let listing_grant = [
        ("csrf", csrf.as_str()),
        ("subject", "listing"),
        ("id", &rug.to_string()),
        ("label", "artisan_label"),
        ("op", "grant"),
    ];
    assert_eq!(
        amina.post("/admin/labels", &listing_grant).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        buyer
            .get(&format!("/l/{rug}?lang=fr"))
            .await
            .body
            .contains("data-label=\"artisan_label\"")
    );
    let mut revoke = listing_grant;
    revoke[4].1 = "revoke";
    assert_eq!(
        amina.post("/admin/labels", &revoke).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        !buyer
            .get(&format!("/l/{rug}?lang=fr"))
            .await
            .body
            .contains("data-label=\"artisan_label\"")
    );

    let log = amina.get("/admin/audit").await.body;
    for action in [
        "report.close",
        "message.mark",
        "label.grant",
        "label.revoke",
        "cooperative.profile",
    ] {
        assert!(log.contains(action), "{action} missing from the audit log");
    }
}
