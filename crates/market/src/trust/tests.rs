use uuid::Uuid;

use super::*;
use crate::db::{Tx, args};
use crate::error::Error;
use crate::lang::Lang;
use crate::{Market, cooperative};

/// A market with the cooperative `atlas` and one listing of it.
fn market() -> (tempfile::TempDir, Market, Uuid, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let market = Market::open(dir.path()).unwrap();
    let listing = Uuid::now_v7();
    let coop = market
        .db()
        .write(|tx| {
            let coop = cooperative::insert(tx, "atlas", "Atlas", 7)?;
            tx.execute(
                "INSERT INTO listings (id, cooperative_id, title_fr, price_centimes, updated_at_ms)
                 VALUES (?1, ?2, 'Tapis', 100, 1)",
                args![&listing.to_string(), &coop.id.to_string()],
            )?;
            Ok(coop.id)
        })
        .unwrap();
    (dir, market, coop, listing)
}

fn write<T: Send>(
    market: &Market,
    f: impl FnOnce(&mut Tx<'_>) -> crate::Result<T> + Send,
) -> crate::Result<T> {
    market.db().write(f)
}

#[test]
fn a_profile_is_trimmed_bounded_and_emptied() {
    let (_dir, market, coop, _) = market();
    assert_eq!(
        write(&market, |tx| profile(tx, coop)).unwrap(),
        Profile::default()
    );
    let typed = Profile {
        legal_name: Some("  Coopérative Atlas\u{202E} des tisserandes \n".into()),
        registration: Some("   ".into()),
        city: Some("Azrou".into()),
        region: None,
    };
    write(&market, |tx| set_profile(tx, coop, &typed)).unwrap();
    assert_eq!(
        write(&market, |tx| profile(tx, coop)).unwrap(),
        Profile {
            legal_name: Some("Coopérative Atlas des tisserandes".into()),
            registration: None,
            city: Some("Azrou".into()),
            region: None,
        }
    );
    let too_long = Profile {
        region: Some("x".repeat(201)),
        ..Profile::default()
    };
    let err = write(&market, |tx| set_profile(tx, coop, &too_long)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLong {
                count: 201,
                max: 200,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        write(&market, |tx| profile(tx, coop))
            .unwrap()
            .city
            .as_deref(),
        Some("Azrou"),
        "a refused profile changes nothing"
    );
    let err = write(&market, |tx| set_profile(tx, Uuid::now_v7(), &typed)).unwrap_err();
    assert!(matches!(err, Error::UnknownCooperative(_)), "{err}");
}

#[test]
fn labels_are_granted_again_revoked_and_kept_apart_by_subject() {
    let (_dir, market, coop, listing) = market();
    write(&market, |tx| {
        grant_label(
            tx,
            Subject::Cooperative(coop),
            Label::ArtisanLabel,
            Some(" n°12 "),
            "amina@chamber.ma",
            10,
        )?;
        grant_label(
            tx,
            Subject::Cooperative(coop),
            Label::MadeInMorocco,
            None,
            "cli",
            11,
        )?;
        grant_label(
            tx,
            Subject::Listing(listing),
            Label::ProtectedOrigin,
            None,
            "cli",
            12,
        )?;
        // Granted again: the newer note and operator win, no second row.
        grant_label(
            tx,
            Subject::Cooperative(coop),
            Label::ArtisanLabel,
            Some("n°13"),
            "cli",
            13,
        )
    })
    .unwrap();
    let of_coop = write(&market, |tx| labels(tx, Subject::Cooperative(coop))).unwrap();
    assert_eq!(
        of_coop,
        [
            VerifiedLabel {
                label: Label::MadeInMorocco,
                note: None,
                granted_by: "cli".into(),
                granted_at_ms: 11
            },
            VerifiedLabel {
                label: Label::ArtisanLabel,
                note: Some("n°13".into()),
                granted_by: "cli".into(),
                granted_at_ms: 13
            },
        ]
    );
    let of_listing = write(&market, |tx| labels(tx, Subject::Listing(listing))).unwrap();
    assert_eq!(
        of_listing.iter().map(|l| l.label).collect::<Vec<_>>(),
        [Label::ProtectedOrigin]
    );
    assert_eq!(write(&market, all_labels).unwrap().len(), 3);

    assert!(
        write(&market, |tx| revoke_label(
            tx,
            Subject::Cooperative(coop),
            Label::ArtisanLabel
        ))
        .unwrap()
    );
    assert!(
        !write(&market, |tx| revoke_label(
            tx,
            Subject::Cooperative(coop),
            Label::ArtisanLabel
        ))
        .unwrap()
    );
    // The listing's label is not the cooperative's.
    assert!(
        !write(&market, |tx| revoke_label(
            tx,
            Subject::Cooperative(coop),
            Label::ProtectedOrigin
        ))
        .unwrap()
    );
    assert_eq!(
        write(&market, |tx| labels(tx, Subject::Listing(listing)))
            .unwrap()
            .len(),
        1
    );

    for subject in [
        Subject::Cooperative(Uuid::now_v7()),
        Subject::Listing(Uuid::now_v7()),
    ] {
        let err = write(&market, |tx| {
            grant_label(tx, subject, Label::MadeInMorocco, None, "cli", 1)
        })
        .unwrap_err();
        assert!(
            matches!(err, Error::UnknownCooperative(_) | Error::UnknownListing(_)),
            "{err}"
        );
    }
}

#[test]
fn vocabularies_round_trip_and_are_named_in_every_language() {
    for label in Label::all() {
        assert_eq!(Label::parse(label.key()), Some(label));
        for lang in Lang::ALL {
            assert!(!label.name(lang).is_empty());
        }
    }
    for reason in ReportReason::all() {
        assert_eq!(ReportReason::parse(reason.key()), Some(reason));
        let names: Vec<_> = Lang::ALL.iter().map(|l| reason.name(*l)).collect();
        assert_ne!(names[0], names[1], "{reason:?} is translated");
    }
    assert_eq!(Label::parse("verified"), None);
    assert_eq!(ReportReason::parse(""), None);
}

#[test]
fn reports_queue_newest_first_and_close_once() {
    let (_dir, market, _, listing) = market();
    let first = write(&market, |tx| {
        add_report(tx, listing, ReportReason::WrongPrice, Some("  "), 100)
    })
    .unwrap();
    let second = write(&market, |tx| {
        add_report(
            tx,
            listing,
            ReportReason::NotHandmade,
            Some("machine-made\r\nin a factory"),
            200,
        )
    })
    .unwrap();
    let open = write(&market, open_reports).unwrap();
    assert_eq!(
        open.iter().map(|r| r.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert_eq!(
        open[0].details.as_deref(),
        Some("machine-made\nin a factory")
    );
    assert_eq!(open[1].details, None, "blank details are none");
    assert_eq!(
        write(&market, |tx| open_report_count(tx, listing)).unwrap(),
        2
    );

    assert!(
        write(&market, |tx| close_report(
            tx,
            first,
            ReportState::Dismissed,
            "cli",
            300
        ))
        .unwrap()
    );
    assert!(
        !write(&market, |tx| close_report(
            tx,
            first,
            ReportState::Actioned,
            "cli",
            301
        ))
        .unwrap(),
        "closed once"
    );
    assert_eq!(
        write(&market, |tx| open_report_count(tx, listing)).unwrap(),
        1
    );
    assert_eq!(write(&market, open_reports).unwrap()[0].id, second);

    let err = write(&market, |tx| {
        add_report(tx, listing, ReportReason::Other, Some(&"é".repeat(1001)), 1)
    })
    .unwrap_err();
    assert!(matches!(err, Error::TooLong { max: 1000, .. }), "{err}");
    let err = write(&market, |tx| {
        add_report(tx, Uuid::now_v7(), ReportReason::Scam, None, 1)
    })
    .unwrap_err();
    assert!(matches!(err, Error::UnknownListing(_)), "{err}");
}

#[test]
fn messages_are_checked_kept_and_marked() {
    let (_dir, market, coop, listing) = market();
    let id = write(&market, |tx| {
        add_message(
            tx,
            coop,
            Some(listing),
            " Sara ",
            "sara@example.org",
            "Bonjour,\nle tapis est-il disponible ?",
            50,
        )
    })
    .unwrap();
    write(&market, |tx| {
        add_message(tx, coop, None, "Omar", "+212 6 12 34 56 78", "Salam", 60)
    })
    .unwrap();
    let all = write(&market, |tx| messages(tx, Some(coop), 10)).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].sender_name, "Omar", "newest first");
    assert_eq!(all[1].sender_name, "Sara");
    assert_eq!(all[1].listing_id, Some(listing));
    assert_eq!(all[1].body, "Bonjour,\nle tapis est-il disponible ?");
    assert_eq!(all[1].state, MessageState::New);
    assert_eq!(write(&market, |tx| messages(tx, None, 1)).unwrap().len(), 1);
    assert!(
        write(&market, |tx| messages(tx, Some(Uuid::now_v7()), 10))
            .unwrap()
            .is_empty()
    );

    assert!(
        write(&market, |tx| set_message_state(
            tx,
            id,
            MessageState::Forwarded
        ))
        .unwrap()
    );
    assert!(
        !write(&market, |tx| set_message_state(
            tx,
            Uuid::now_v7(),
            MessageState::Spam
        ))
        .unwrap()
    );
    let all = write(&market, |tx| messages(tx, Some(coop), 10)).unwrap();
    assert_eq!(all[1].state, MessageState::Forwarded);

    for (name, reply_to, body) in [
        ("", "sara@example.org", "x"),
        ("Sara", "sara", "x"),
        ("Sara", "12 34", "x"),
        ("Sara", "a b@example.org", "x"),
        ("Sara", "sara@example.org", " \n "),
        ("Sara", "sara@example.org", &"x".repeat(MAX_BODY_CHARS + 1)),
        (&"x".repeat(MAX_SENDER_CHARS + 1), "sara@example.org", "x"),
    ] {
        assert!(
            message_problem(name, reply_to, body).is_some(),
            "{name:?} {reply_to:?} {body:?}"
        );
        assert!(
            write(&market, |tx| add_message(
                tx, coop, None, name, reply_to, body, 1
            ))
            .is_err()
        );
    }
    assert!(message_problem("Sara", "0612345678", "x").is_none());
    assert!(message_problem("Sara", "(+212) 612-345-678", "x").is_none());
    assert_eq!(
        write(&market, |tx| messages(tx, None, 100)).unwrap().len(),
        2
    );
}
