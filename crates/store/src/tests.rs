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
