use crate::{Field, Price, Reason, Titles, ValidationError};

#[test]
fn migrations_are_valid() {
    crate::open::migrations().validate().unwrap();
}

#[track_caller]
fn check_price(input: &str, expect: Result<i64, Reason>) {
    let got = Price::parse(input).map(Price::centimes).map_err(|e| {
        assert_eq!(e.field, Field::Price);
        e.reason
    });
    assert_eq!(got, expect, "input {input:?}");
}

#[test]
fn price_parsing() {
    check_price("4500", Ok(450_000));
    check_price("4500.5", Ok(450_050));
    check_price("4 500,50", Ok(450_050));
    check_price("4\u{202f}500,50 MAD", Ok(450_050));
    check_price("4,500", Ok(450_000));
    check_price("1.234.567", Ok(123_456_700));
    check_price("1,234.56", Ok(123_456));
    check_price("٤٥٠٠٫٥٠", Ok(450_050));
    check_price("۱۲۰ درهم", Ok(12_000));
    check_price("120 dh", Ok(12_000));
    check_price("0,5", Ok(50));
    check_price("", Err(Reason::Required));
    check_price("  MAD", Err(Reason::Required));
    check_price("-3", Err(Reason::Negative));
    check_price("abc", Err(Reason::NotANumber));
    check_price("12.345.6789", Err(Reason::TooManyDecimals));
    check_price("3.14159", Err(Reason::TooManyDecimals));
    check_price("10000001", Err(Reason::TooLarge));
    check_price("99999999999999999999", Err(Reason::TooLarge));
    check_price("10000000", Ok(1_000_000_000));
}

#[test]
fn price_display_is_plain() {
    assert_eq!(Price::parse("4500.5").unwrap().to_string(), "4500.50 MAD");
}

#[test]
fn single_title_goes_to_its_language() {
    assert_eq!(Titles::from_single(" زربية ").ar.as_deref(), Some("زربية"));
    assert_eq!(
        Titles::from_single("Tapis Azilal").fr.as_deref(),
        Some("Tapis Azilal")
    );
}

#[test]
fn titles_validation() {
    let err = |field, reason| Err(ValidationError { field, reason });
    assert_eq!(
        Titles {
            ar: Some("   ".into()),
            ..Titles::default()
        }
        .validated(),
        err(Field::Title, Reason::Required)
    );
    assert_eq!(
        Titles {
            fr: Some("x".repeat(201)),
            ..Titles::default()
        }
        .validated(),
        err(Field::Title, Reason::TooLong)
    );
    let ok = Titles {
        fr: Some(" Tapis ".into()),
        en: Some("".into()),
        ..Titles::default()
    }
    .validated()
    .unwrap();
    assert_eq!(
        ok,
        Titles {
            fr: Some("Tapis".into()),
            ..Titles::default()
        }
    );
    assert_eq!(ok.display("ar"), "Tapis");
}

#[track_caller]
fn check_normalize(input: &str, expect: &str) {
    assert_eq!(crate::normalize(input), expect, "input {input:?}");
}

#[test]
fn normalization() {
    check_normalize("أإآٱا", "ااااا");
    check_normalize("مُحَمَّد", "محمد");
    check_normalize("زربـــية", "زربيه");
    check_normalize("مدرسة", "مدرسه");
    check_normalize("على", "علي");
    check_normalize("٤٥٠٠ ۱۲", "4500 12");
    check_normalize("Café ÉLÉGANT çà", "cafe elegant ca");
    check_normalize("Œuvre", "œuvre");
}

#[test]
fn fts_queries_are_quoted_prefixes() {
    assert_eq!(
        crate::normalize::fts_query("Tapis azi"),
        Some("\"tapis\"* AND \"azi\"*".to_owned())
    );
    assert_eq!(crate::normalize::fts_query("\"\" -- "), None);
}

#[test]
fn a_version_1_catalog_is_backed_up_then_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    {
        #[allow(clippy::disallowed_methods)]
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::from_slice(&crate::open::MIGRATIONS[..1])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO listings (id, title_fr, price_centimes, created_at_ms, updated_at_ms) VALUES (?1, 'Tapis', 100, 1, 1)",
            [uuid::Uuid::now_v7().to_string()],
        )
        .unwrap();
    }
    let store = crate::open(&path).unwrap();
    let listings = store.listings().unwrap();
    assert_eq!(listings.len(), 1);
    assert_eq!(listings[0].category, crate::Category::Other);
    assert_eq!(listings[0].status, crate::Status::Ready);
    let backups = crate::list_backups(&path);
    assert!(
        backups
            .iter()
            .any(|b| b.to_string_lossy().ends_with("before-schema-2.db")),
        "{backups:?}"
    );
}

#[test]
fn a_catalog_pulled_before_photos_were_pulled_pulls_everything_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    {
        #[allow(clippy::disallowed_methods)]
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::from_slice(&crate::open::MIGRATIONS[..8])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('pull_cursor', '42'), ('market_url', 'http://souk')",
            [],
        )
        .unwrap();
    }
    let store = crate::open(&path).unwrap();
    assert_eq!(store.setting(crate::SettingKey::PullCursor).unwrap(), None);
    assert_eq!(
        store
            .setting(crate::SettingKey::MarketUrl)
            .unwrap()
            .as_deref(),
        Some("http://souk")
    );
}
