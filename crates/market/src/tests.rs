//! Unit tests of the pure parts: codes, prices, languages, validation.

use protocol::{ListingPayload, LocalizedText};

use crate::lang::Lang;
use crate::{db, demo, enrollment_code, openapi, price, tus};
use protocol::ListingField;

#[test]
fn migrations_are_valid() {
    db::migrations().validate().unwrap();
}

#[test]
fn generated_codes_are_canonical_and_displayed_with_a_dash() {
    for _ in 0..200 {
        let code = enrollment_code::generate();
        assert_eq!(
            enrollment_code::normalize(&code).as_deref(),
            Some(code.as_str())
        );
        let shown = enrollment_code::display(&code);
        assert_eq!(shown.len(), 9);
        assert_eq!(&shown[4..5], "-");
        assert_eq!(
            enrollment_code::normalize(&shown).as_deref(),
            Some(code.as_str())
        );
    }
}

#[test]
fn codes_are_normalized_as_crockford_says() {
    #[track_caller]
    fn check(input: &str, expect: Option<&str>) {
        assert_eq!(
            enrollment_code::normalize(input).as_deref(),
            expect,
            "input {input:?}"
        );
    }
    check("ABCD-EF12", Some("ABCDEF12"));
    check("abcd-ef12", Some("ABCDEF12"));
    check("abcdef12", Some("ABCDEF12"));
    check(" abcd ef12 ", Some("ABCDEF12"));
    check("oIl0-0000", Some("01100000"));
    check("ABCD-EF1", None);
    check("ABCD-EF123", None);
    check("ABCD-EF1U", None);
    check("ABCD-EF1é", None);
    check("", None);
    check("garbage!", None);
}

#[test]
fn prices_follow_each_language() {
    #[track_caller]
    fn check(centimes: i64, lang: Lang, expect: &str) {
        assert_eq!(price::format_mad(centimes, lang), expect);
    }
    check(450_000, Lang::Fr, "4 500,00 MAD");
    check(450_000, Lang::En, "4,500.00 MAD");
    check(450_000, Lang::Ar, "4500.00 د.م.");
    check(0, Lang::Fr, "0,00 MAD");
    check(5, Lang::En, "0.05 MAD");
    check(99_999, Lang::Fr, "999,99 MAD");
    check(1_000_000_000, Lang::En, "10,000,000.00 MAD");
    check(123_456_789, Lang::Fr, "1 234 567,89 MAD");
    check(-150, Lang::En, "-1.50 MAD");
}

#[test]
fn page_language_comes_from_the_query_then_accept_language() {
    #[track_caller]
    fn check(query: Option<&str>, accept: Option<&str>, expect: Lang) {
        assert_eq!(
            Lang::negotiate(query, accept),
            expect,
            "{query:?} {accept:?}"
        );
    }
    check(None, None, Lang::Fr);
    check(Some("ar"), None, Lang::Ar);
    check(Some("EN"), Some("ar"), Lang::En);
    check(Some("de"), Some("en-GB,en;q=0.9"), Lang::En);
    check(None, Some("ar-MA,ar;q=0.9,fr;q=0.8"), Lang::Ar);
    check(None, Some("de-DE,de;q=0.9,en;q=0.5,fr;q=0.7"), Lang::Fr);
    check(None, Some("en;q=0, ar;q=0.1"), Lang::Ar);
    check(None, Some("de, nl"), Lang::Fr);
    check(None, Some("*"), Lang::Fr);
}

fn payload(ar: Option<&str>, fr: Option<&str>, price_centimes: i64) -> ListingPayload {
    ListingPayload {
        title: LocalizedText {
            ar: ar.map(str::to_owned),
            fr: fr.map(str::to_owned),
            en: None,
        },
        price_centimes,
        updated_at_ms: 1,
        ..ListingPayload::default()
    }
}

#[test]
fn listings_are_validated() {
    #[track_caller]
    fn check(payload: ListingPayload, valid: bool) {
        let mut cleaned = payload.clone();
        assert_eq!(
            crate::merge::validate(&mut cleaned, &ListingField::ALL),
            valid,
            "{payload:?}"
        );
    }
    let long = "x".repeat(200);
    let too_long = "x".repeat(201);
    let arabic_200 = "ز".repeat(200);
    check(payload(Some("زربية"), None, 450_000), true);
    check(payload(None, Some("Tapis"), 0), true);
    check(payload(None, Some("Tapis"), 1_000_000_000), true);
    check(payload(None, Some("Tapis"), 1_000_000_001), false);
    check(payload(None, Some("Tapis"), -1), false);
    check(payload(None, None, 100), false);
    check(payload(Some("  "), Some(""), 100), false);
    check(payload(None, Some(&long), 100), true);
    check(payload(Some(&arabic_200), None, 100), true);
    check(payload(Some("ok"), Some(&too_long), 100), false);
}

#[test]
fn blank_titles_are_stored_as_absent() {
    let mut valid = payload(Some(" "), Some("Tapis "), 100);
    assert!(crate::merge::validate(&mut valid, &ListingField::ALL));
    assert_eq!(valid.title.ar, None);
    assert_eq!(valid.title.fr.as_deref(), Some("Tapis"));
}

#[test]
fn upload_metadata_is_parsed_as_tus_says() {
    #[track_caller]
    fn check(header: &str, expect: Option<&[(&str, Option<&str>)]>) {
        let parsed = tus::parse_metadata(header).ok();
        let expect = expect.map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect::<Vec<_>>()
        });
        assert_eq!(parsed, expect, "{header:?}");
    }
    check(
        "sha256 YWJj,filename dGFwaXMuanBn",
        Some(&[("sha256", Some("abc")), ("filename", Some("tapis.jpg"))]),
    );
    check("is_confidential", Some(&[("is_confidential", None)]));
    check(" a YQ== , b ", Some(&[("a", Some("a")), ("b", None)]));
    check("", Some(&[]));
    check("a YQ==,a Yg==", None);
    check("a not-base64!", None);
    check("a //4=", None); // not UTF-8
}

/// The duplicate-key check is quadratic, so the number of pairs is bounded:
/// before the bound, a 200 KB header of 30,000 keys (`k0,k1,…`) held a
/// runtime thread for minutes.
#[test]
fn upload_metadata_holds_a_bounded_number_of_pairs() {
    let keys = |n: usize| (0..n).map(|i| format!("k{i}")).collect::<Vec<_>>();
    let most = keys(tus::MAX_METADATA_PAIRS).join(",");
    assert_eq!(
        tus::parse_metadata(&most).map(|pairs| pairs.len()),
        Ok(tus::MAX_METADATA_PAIRS)
    );
    // Empty pairs (`a,,b`) do not count.
    assert!(tus::parse_metadata(&format!("{most},,")).is_ok());
    let one_more = keys(tus::MAX_METADATA_PAIRS + 1).join(",");
    assert_eq!(tus::parse_metadata(&one_more), Err(()));
    let huge = keys(30_000).join(",");
    assert_eq!(tus::parse_metadata(&huge), Err(()));
}

/// Every `.route("…", method(…))` in this crate's source is in
/// `openapi.json`, with each of its methods.
#[test]
fn every_route_is_in_the_openapi_document() {
    let document: serde_json::Value = serde_json::from_str(openapi::DOCUMENT).unwrap();
    let paths = document["paths"].as_object().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut seen = 0;
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for (route, methods) in routes_in(&source) {
            let documented = paths
                .get(&format!("{}{route}", protocol::API_PREFIX))
                .or_else(|| paths.get(&route))
                .unwrap_or_else(|| panic!("{route} ({}) is not in openapi.json", path.display()));
            for method in methods {
                assert!(
                    documented.get(method).is_some(),
                    "{method} {route} is not in openapi.json"
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 15, "found only {seen} routes: is the scan broken?");
}

/// `(path, methods)` of each `.route(` call in `source`.
fn routes_in(source: &str) -> Vec<(String, Vec<&'static str>)> {
    const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];
    let mut routes = Vec::new();
    for (start, _) in source.match_indices(".route(") {
        let rest = &source[start + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let call = &rest[..end];
        let Some(path) = call.split('"').nth(1) else {
            continue; // e.g. a `.route(` inside this very test
        };
        let methods = METHODS
            .into_iter()
            .filter(|m| {
                call.match_indices(&format!("{m}(")).any(|(i, _)| {
                    !call[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
            .collect();
        routes.push((path.to_owned(), methods));
    }
    routes
}

/// A database from before moderation keeps its listings public, and a
/// first pull sees each of them.
#[test]
fn listings_from_before_moderation_are_approved_and_in_the_change_feed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(db::FILE_NAME);
    {
        #[expect(clippy::disallowed_methods, reason = "building an old database")]
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        db::migrations().to_version(&mut conn, 1).unwrap();
        conn.execute_batch(
            "INSERT INTO cooperatives VALUES ('c', 'atlas', 'Atlas', 0);
             INSERT INTO listings (id, cooperative_id, title_fr, price_centimes, updated_at_ms)
                 VALUES ('a', 'c', 'Tapis', 1, 1), ('b', 'c', 'Bol', 1, 2);",
        )
        .unwrap();
    }
    let conn = db::open_sqlite_for_test(&path).unwrap();
    let rows: Vec<(String, String, i64)> = conn
        .prepare("SELECT id, moderation, changes_seq FROM listings ORDER BY changes_seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            ("a".to_owned(), "approved".to_owned(), 1),
            ("b".to_owned(), "approved".to_owned(), 2)
        ]
    );
    let next: i64 = conn
        .query_row(
            "UPDATE change_sequence SET value = value + 1 RETURNING value",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(next, 3);
}

#[test]
fn search_normalises_arabic_and_french() {
    fn check(input: &str, expect: &str) {
        assert_eq!(crate::search::normalise(input), expect, "{input}");
    }
    check("Tapis BÉNI-Ouarain", "tapis beni ouarain");
    check("Crème brûlée, ça !", "creme brulee ca");
    check("زَرْبِيَّة", "زربيه"); // harakat dropped, ة → ه
    check("أمازيغي إبريق آنية", "امازيغي ابريق انيه");
    check("مـــغـربي", "مغربي"); // tatweel
    check("مستشفى", "مستشفي"); // ى → ي
    check("  ", "");
    assert_eq!(
        crate::search::search_text([Some("Tapis"), None, Some("Rug")]),
        " tapis rug "
    );
    assert_eq!(crate::search::query_words("100% laine_"), ["100", "laine"]);
}

/// Every property the wire types serialise, with every optional field set,
/// is declared in `openapi.json` (the document is hand-maintained).
#[test]
fn the_openapi_schemas_declare_every_wire_field() {
    use protocol::{
        Change, ChangeOp, ChangeResult, CooperativeRef, Hlc, ModerationState, Outcome,
        PublicListing, PulledListing,
    };
    use uuid::Uuid;

    let document: serde_json::Value = serde_json::from_str(openapi::DOCUMENT).unwrap();
    let schemas = &document["components"]["schemas"];
    #[track_caller]
    fn check(schemas: &serde_json::Value, name: &str, value: serde_json::Value) {
        let declared = schemas[name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no schema {name}"));
        for key in value.as_object().unwrap().keys() {
            assert!(
                declared.contains_key(key),
                "{name}.{key} is not in openapi.json"
            );
        }
    }
    let full = ListingPayload {
        title: LocalizedText {
            fr: Some("Tapis".into()),
            ..LocalizedText::default()
        },
        price_centimes: 1,
        updated_at_ms: 1,
        description: LocalizedText {
            fr: Some("Laine".into()),
            ..LocalizedText::default()
        },
        category: Some("carpets".into()),
        stock: Some(1),
        unit: Some("piece".into()),
        dimensions: Some("1 m".into()),
        weight_grams: Some(1),
        materials: Some("laine".into()),
        origin: Some("Azrou".into()),
        region: Some("Fès-Meknès".into()),
        tags: vec!["berbère".into()],
        artisan: Some("Fatima".into()),
        status: Some("ready".into()),
    };
    fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }
    check(schemas, "ListingPayload", to_json(&full));
    let change = Change {
        hlc: Some(Hlc { ms: 1, counter: 0 }),
        base_version: Some(1),
        fields: Some(vec![ListingField::Price]),
        stock_delta: Some(-1),
        ..Change::whole(
            Uuid::nil(),
            Uuid::nil(),
            ChangeOp::Upsert {
                listing: full.clone(),
            },
        )
    };
    check(schemas, "Change", to_json(&change));
    let conflict = ChangeResult {
        change_id: Uuid::nil(),
        outcome: Outcome::Conflict {
            fields: vec![ListingField::Title],
            listing: Box::new(full.clone()),
        },
        version: Some(2),
        stock: None,
    };
    check(schemas, "ChangeResult", to_json(&conflict));
    let pulled = PulledListing {
        listing_id: Uuid::nil(),
        version: Some(2),
        deleted: false,
        listing: Some(full.clone()),
        moderation: ModerationState::Rejected,
        rejection_reason: Some("floue".into()),
        photos: Some(vec![protocol::ListingPhoto {
            display: "a".repeat(64),
            thumb: "b".repeat(64),
        }]),
        photos_awaited: vec!["a".repeat(64)],
        hlc: Some(protocol::Hlc { ms: 5, counter: 1 }),
    };
    check(schemas, "PulledListing", to_json(&pulled));
    let public = PublicListing {
        id: Uuid::nil(),
        cooperative: CooperativeRef {
            id: Uuid::nil(),
            slug: "atlas".into(),
            name: "Atlas".into(),
        },
        title: full.title.clone(),
        price_centimes: 1,
        updated_at_ms: 1,
        description: full.description.clone(),
        category: full.category.clone(),
        artisan: full.artisan.clone(),
        origin: full.origin.clone(),
        region: full.region.clone(),
        materials: full.materials.clone(),
        dimensions: full.dimensions.clone(),
        photos: vec![protocol::PublicPhoto {
            thumb: "https://souk.example.org/photos/b.jpg".into(),
            display: "https://souk.example.org/photos/a.jpg".into(),
        }],
        availability: Some("in_stock".into()),
        cooperative_profile: Some(protocol::PublicCooperative {
            legal_name: Some("Coopérative Atlas".into()),
            registration: Some("ODCo 1234".into()),
            city: Some("Azrou".into()),
            region: Some("Fès-Meknès".into()),
            since_ms: 1,
            labels: vec!["made_in_morocco".into()],
        }),
        labels: vec!["artisan_label".into()],
    };
    check(schemas, "PublicListing", to_json(&public));
    check(
        schemas,
        "PublicCooperative",
        to_json(&public.cooperative_profile),
    );
}

#[test]
fn the_embedded_catalog_has_32_products_in_three_languages() {
    let products = demo::products().unwrap();
    assert_eq!(products.len(), 32);
    for p in &products {
        for title in [&p.title.ar, &p.title.fr, &p.title.en] {
            assert!(title.as_deref().is_some_and(|t| !t.is_empty()), "{p:?}");
        }
        assert!(p.price_centimes > 0, "{p:?}");
        assert!(!p.region.is_empty(), "{p:?}");
    }
    assert_eq!(products[0].price_centimes, 450_000);
}

#[test]
fn prices_in_mad_become_centimes() {
    for (text, expect) in [
        ("4500.00", Some(450_000)),
        ("12.5", Some(1250)),
        ("7", Some(700)),
        ("1.234", None),
        ("abc", None),
        ("3.", None),
    ] {
        assert_eq!(demo::centimes(text), expect, "{text}");
    }
}
