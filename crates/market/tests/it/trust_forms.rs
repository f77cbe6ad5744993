//! Trust's forms and sharing through real HTTP: the contact and report
//! forms (kept, rate-limited per client, honeypot, operators' commands);
//! the share button's script (run in Chromium under the CSP), the WhatsApp
//! link and the QR code, read back with a QR decoder.

use std::net::SocketAddr;

use axum::http::StatusCode;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, RETRY_AFTER};
use uuid::Uuid;

use crate::trust::{audit, form, page, run, with_listing};
use crate::{get, test_market_tuned};

#[tokio::test]
async fn reports_are_queued_limited_per_client_and_closed_by_operators() {
    let t = test_market_tuned(|c| {
        c.form_rate = market::RateLimit {
            burst: 2,
            refill_every: std::time::Duration::from_secs(600),
        };
    });
    let id = with_listing(&t, "Laine").await;
    let listing = page(&t, &format!("/l/{id}?lang=fr")).await;
    for shown in [
        format!(r#"action="/l/{id}/report?lang=fr""#).as_str(),
        r#"<option value="not_handmade">Pas fait main, ou pas au Maroc</option>"#,
        r#"maxlength="1000""#,
        r#"name="website""#,
    ] {
        assert!(listing.contains(shown), "{shown}: {listing}");
    }
    let path = format!("/l/{id}/report?lang=fr");
    let a = [203, 0, 113, 7];
    let (status, body) = t
        .send(form(
            &path,
            &[
                ("reason", "wrong_price"),
                ("details", "Le même tapis est à 900 MAD au souk"),
                ("website", ""),
            ],
            a,
        ))
        .await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("Signalement reçu"), "{text}");
    // A bot filling the honeypot is thanked and forgotten.
    let (status, _) = t
        .send(form(
            &path,
            &[("reason", "scam"), ("website", "http://spam.example")],
            a,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The client's bucket is empty now: 429 in its language, with Retry-After.
    let (status, headers, body) = t.send_full(form(&path, &[("reason", "scam")], a)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[RETRY_AFTER], "600");
    assert!(String::from_utf8(body).unwrap().contains("Trop d’envois"));
    // Another client is not held back by the first.
    let b = [198, 51, 100, 9];
    let long = "x".repeat(1001);
    for (fields, expect) in [
        (vec![("reason", "ugly")], StatusCode::BAD_REQUEST),
        (
            vec![("reason", "other"), ("details", long.as_str())],
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, body) = t.send(form(&path, &fields, b)).await;
        assert_eq!(status, expect, "{fields:?}");
        assert!(
            String::from_utf8(body)
                .unwrap()
                .contains("Vérifiez le formulaire")
        );
    }
    t.advance(600_000);
    let (status, _) = t.send(form(&path, &[("reason", "not_handmade")], b)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .send(form(
            &format!("/l/{}/report", Uuid::now_v7()),
            &[("reason", "scam")],
            b,
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let queue = run(&t, &["report", "list"]);
    let lines: Vec<&str> = queue.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "the honeypot's and the refused reports are not queued: {queue}"
    );
    assert!(
        lines[0].contains(&format!("{id}\tnot_handmade\t")),
        "newest first: {queue}"
    );
    assert!(
        lines[0].contains("\t2\t"),
        "two open reports on the listing: {queue}"
    );
    assert!(
        lines[1].ends_with("\tLe même tapis est à 900 MAD au souk"),
        "{queue}"
    );
    let report_id = lines[1].split('\t').next().unwrap();
    run(&t, &["report", "close", report_id, "--dismiss"]);
    let queue = run(&t, &["report", "list"]);
    assert_eq!(queue.lines().count(), 1, "{queue}");
    assert!(queue.contains("\t1\t"), "{queue}");
    let output = t
        .command(&["report", "close", report_id, "--actioned"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "closed once");
    assert!(audit(&t).contains(&(
        "cli".to_owned(),
        "report.close".to_owned(),
        report_id.to_owned()
    )));
}

#[tokio::test]
async fn contact_messages_are_kept_for_operators_and_the_honeypot_drops_bots() {
    let t = test_market_tuned(|c| {
        c.form_rate = market::RateLimit {
            burst: 3,
            refill_every: std::time::Duration::from_secs(600),
        };
    });
    let id = with_listing(&t, "Laine").await;
    let listing = page(&t, &format!("/l/{id}?lang=fr")).await;
    let contact_href = format!("/c/atlas?about={id}&#38;lang=fr#contact");
    assert!(listing.contains(&contact_href), "{listing}");
    let coop = page(&t, &format!("/c/atlas?about={id}&lang=fr")).await;
    assert!(
        coop.contains(&format!(
            r#"<input type="hidden" name="listing" value="{id}">"#
        )),
        "{coop}"
    );
    assert!(coop.contains("Tapis Azilal"), "says which listing: {coop}");
    assert!(
        !coop.contains('@') && !coop.contains("tel:") && !coop.contains("mailto:"),
        "no address of the cooperative: {coop}"
    );

    let path = "/c/atlas/contact?lang=ar";
    let a = [203, 0, 113, 7];
    let (status, body) = t
        .send(form(
            path,
            &[
                ("name", "Sara"),
                ("reply_to", "sara@example.org"),
                ("message", "Salam,\nle tapis existe-t-il en 2 × 3 m ?"),
                ("listing", &id.to_string()),
                ("website", ""),
            ],
            a,
        ))
        .await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.contains("تم إرسال الرسالة") && text.contains(r#"dir="rtl""#),
        "{text}"
    );
    let (status, body) = t
        .send(form(
            path,
            &[
                ("name", "Bot"),
                ("reply_to", "bot@spam.example"),
                ("message", "Buy now"),
                ("website", "http://spam.example"),
            ],
            a,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("تم إرسال الرسالة"),
        "the bot cannot tell"
    );
    let (status, _) = t
        .send(form(
            path,
            &[
                ("name", "Omar"),
                ("reply_to", "not an address"),
                ("message", "Salam"),
            ],
            a,
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = t
        .send(form(
            path,
            &[
                ("name", "Omar"),
                ("reply_to", "0612345678"),
                ("message", "Salam"),
            ],
            a,
        ))
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "three tries from this client, counted before checking"
    );
    // Reports are another bucket.
    let (status, _) = t
        .send(form(&format!("/l/{id}/report"), &[("reason", "other")], a))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .send(form("/c/nowhere/contact", &[("name", "Omar")], a))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let messages = run(&t, &["message", "list", "--cooperative", "atlas"]);
    let lines: Vec<&str> = messages.lines().collect();
    assert_eq!(lines.len(), 1, "{messages}");
    let fields: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(
        &fields[2..],
        [
            "atlas",
            "new",
            "Sara",
            "sara@example.org",
            &id.to_string(),
            "Salam, / le tapis existe-t-il en 2 × 3 m ?"
        ]
    );
    run(&t, &["message", "mark", fields[0], "forwarded"]);
    assert!(run(&t, &["message", "list"]).contains("\tforwarded\t"));
    let actions: Vec<String> = audit(&t).into_iter().map(|(_, what, _)| what).collect();
    assert_eq!(
        actions,
        ["message.list", "message.mark", "message.list"],
        "reading buyers' addresses is logged"
    );
}

/// The modules of the QR code in an SVG `qrcode` drew: `(size, dark)`.
fn qr_modules(svg: &str) -> (usize, Vec<bool>) {
    let size: usize = regex::Regex::new(r#"width="(\d+)""#)
        .unwrap()
        .captures(svg)
        .unwrap()[1]
        .parse()
        .unwrap();
    let mut dark = vec![false; size * size];
    let rect = regex::Regex::new(r"M(\d+) (\d+)h(\d+)v(\d+)H\d+V\d+").unwrap();
    let mut rects = 0;
    for c in rect.captures_iter(svg) {
        let [x, y, w, h] = [1, 2, 3, 4].map(|i| c[i].parse::<usize>().unwrap());
        for row in y..y + h {
            for col in x..x + w {
                dark[row * size + col] = true;
            }
        }
        rects += 1;
    }
    assert!(rects > 20, "{svg}");
    (size, dark)
}

#[tokio::test]
async fn a_listing_page_shares_by_script_by_link_and_by_qr_code() {
    let t = test_market_tuned(|c| c.public_url = Some("https://souk.example.ma".to_owned()));
    let id = with_listing(&t, "Laine").await;
    let (status, headers, body) = t.send_full(get(&format!("/l/{id}?lang=fr"))).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self';") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(
        !csp.split(';')
            .any(|d| d.contains("script-src") && d.contains("unsafe-inline")),
        "{csp}"
    );
    assert!(
        html.contains(r#"<script src="/static/share.js" defer></script>"#),
        "{html}"
    );
    let canonical = format!("https://souk.example.ma/l/{id}?lang=fr");
    assert!(
        html.contains(r#"<button type="button" id="share" hidden data-title="Tapis Azilal — "#),
        "{html}"
    );
    let link = regex::Regex::new(r#"<a class="whatsapp" href="([^"]+)""#)
        .unwrap()
        .captures(&html)
        .unwrap()[1]
        .replace("&#38;", "&");
    let link = url::Url::parse(&link).unwrap();
    assert_eq!((link.host_str(), link.path()), (Some("wa.me"), "/"));
    let (key, text) = link.query_pairs().next().unwrap();
    assert_eq!(key, "text");
    assert!(
        text.starts_with("Tapis Azilal — 3") && text.ends_with(&format!("MAD {canonical}")),
        "{text}"
    );

    // The QR code, an image of its own, reads back as the canonical URL.
    let qr_src = format!("/l/{id}/qr.svg?lang=fr");
    assert!(
        html.contains(&format!(
            r#"<img class="qr" src="{qr_src}" alt="QR code de cette page""#
        )),
        "{html}"
    );
    let (status, headers, body) = t.send_full(get(&qr_src)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CONTENT_TYPE], "image/svg+xml");
    let svg = String::from_utf8(body).unwrap();
    assert!(
        svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#),
        "{svg}"
    );
    let svg = svg.as_str();
    let (status, _, _) = t
        .send_full(get(&format!("/l/{}/qr.svg", uuid::Uuid::now_v7())))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no code for a listing that is not public"
    );
    let (size, dark) = qr_modules(svg);
    let mut image = rqrr::PreparedImage::prepare_from_bitmap(size, size, |x, y| dark[y * size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, decoded) = grids[0].decode().unwrap();
    assert_eq!(decoded, canonical);

    let (status, headers, body) = t.send_full(get("/static/share.js")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(String::from_utf8(body).unwrap().contains("navigator.share"));
}

/// Over a real loopback connection: the page's one script runs in
/// Chromium under the page's CSP, and the forms' limit keys on the peer's
/// address as the server sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_real_connection_the_script_runs_and_the_limit_holds() {
    let t = test_market_tuned(|c| {
        c.form_rate = market::RateLimit {
            burst: 1,
            refill_every: std::time::Duration::from_secs(600),
        };
    });
    let id = with_listing(&t, "Laine").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = market::app(t.market.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let profile = tempfile::tempdir().unwrap();
    let dom = crate::chromium::dump_dom(profile.path(), format!("{base}/l/{id}?lang=fr")).await;
    assert!(dom.contains(r#"data-share-script="ran""#), "{dom}");

    let client = reqwest::Client::new();
    let send = || {
        client
            .post(format!("{base}/c/atlas/contact?lang=en"))
            .header(CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded")
            .body("name=Sara&reply_to=%2B212+612+345+678&message=Salam")
            .send()
    };
    assert_eq!(send().await.unwrap().status(), reqwest::StatusCode::OK);
    let refused = send().await.unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.text().await.unwrap().contains("Too many attempts"));
    server.abort();
}
