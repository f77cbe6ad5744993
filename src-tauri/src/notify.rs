//! A system notification when listings went live on the marketplace or
//! were refused while the window was hidden (in the tray, or started
//! hidden at login): the manager learns it without opening the app.
//!
//! After each sync pass the listings' ledger states are read again and
//! compared with the previous pass's: waiting or in review → live is "went
//! live"; anything else → refused is "refused". Only with the window
//! hidden is anything shown; the window shows the same in its list.

use std::collections::HashMap;

use crate::ipc::{LedgerKey, UiLang};

/// Each listing's state and title at one pass's end.
pub type Snapshot = HashMap<store::ListingId, (LedgerKey, String)>;

/// Reads every listing's ledger state, with its title in `lang` (or the
/// one it has).
pub fn snapshot(store: &store::Store, lang: Option<UiLang>) -> store::Result<Snapshot> {
    let code = match lang {
        Some(UiLang::Ar) => "ar",
        Some(UiLang::En) => "en",
        Some(UiLang::Fr) | None => "fr",
    };
    Ok(store
        .ledger_states()?
        .into_iter()
        .map(|(listing, state)| {
            let title = listing.titles.display(code).to_owned();
            (listing.id, (LedgerKey::from(&state), title))
        })
        .collect())
}

/// Shows a system notification; without a notification service (a
/// minimal desktop) it is only logged: the window and the tray still say it.
pub fn show(app: &tauri::AppHandle, title: String, body: String) -> bool {
    use tauri_plugin_notification::NotificationExt as _;
    match app.notification().builder().title(title).body(body).show() {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "notification not shown");
            false
        }
    }
}

/// What changed for the manager between two snapshots: titles of the
/// listings that went live, and of those refused.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub live: Vec<String>,
    pub refused: Vec<String>,
}

impl Outcomes {
    pub fn between(before: &Snapshot, after: &Snapshot) -> Outcomes {
        let mut outcomes = Outcomes::default();
        for (id, (state, title)) in after {
            let was = before.get(id).map(|(s, _)| *s);
            match (was, state) {
                (Some(LedgerKey::Waiting | LedgerKey::InReview), LedgerKey::Live) => {
                    outcomes.live.push(title.clone())
                }
                (Some(was), LedgerKey::Rejected) if was != LedgerKey::Rejected => {
                    outcomes.refused.push(title.clone())
                }
                _ => {}
            }
        }
        outcomes.live.sort();
        outcomes.refused.sort();
        outcomes
    }
}

/// The notification's title and body in `lang` (`None`: the window never
/// said; all three), or `None` when there is nothing to say.
pub fn message(lang: Option<UiLang>, o: &Outcomes) -> Option<(String, String)> {
    if o.live.is_empty() && o.refused.is_empty() {
        return None;
    }
    let Some(lang) = lang else {
        let all: Vec<_> = [UiLang::Ar, UiLang::Fr, UiLang::En]
            .into_iter()
            .filter_map(|l| message(Some(l), o))
            .collect();
        return Some((
            "Hanout — حانوت".to_owned(),
            all.into_iter()
                .map(|(_, body)| body)
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    };
    let mut lines = Vec::new();
    if !o.live.is_empty() {
        lines.push(live_line(lang, &o.live));
    }
    if !o.refused.is_empty() {
        lines.push(refused_line(lang, &o.refused));
    }
    let title = match lang {
        UiLang::Ar => "حانوت",
        UiLang::Fr | UiLang::En => "Hanout",
    };
    Some((title.to_owned(), lines.join("\n")))
}

/// What the notification says when the window closes (no tray) while
/// `listings` and `photos` still wait: Hanout keeps sending, then quits.
pub fn keeps_sending(lang: Option<UiLang>, listings: u64, photos: u64) -> (String, String) {
    let line = |lang: UiLang| {
        let n = usize::try_from(listings.max(photos)).unwrap_or(usize::MAX);
        let what = if listings > 0 {
            match lang {
                UiLang::En if n == 1 => "1 listing".to_owned(),
                UiLang::En => format!("{listings} listings"),
                UiLang::Fr if n == 1 => "1 annonce".to_owned(),
                UiLang::Fr => format!("{listings} annonces"),
                UiLang::Ar => match arabic_plural(n) {
                    "one" => "إعلان واحد".to_owned(),
                    "two" => "إعلانان".to_owned(),
                    "few" => format!("{listings} إعلانات"),
                    "many" => format!("{listings} إعلانًا"),
                    _ => format!("{listings} إعلان"),
                },
            }
        } else {
            match lang {
                UiLang::En if n == 1 => "1 photo".to_owned(),
                UiLang::En => format!("{photos} photos"),
                UiLang::Fr if n == 1 => "1 photo".to_owned(),
                UiLang::Fr => format!("{photos} photos"),
                UiLang::Ar => match arabic_plural(n) {
                    "one" => "صورة واحدة".to_owned(),
                    "two" => "صورتان".to_owned(),
                    "few" => format!("{photos} صور"),
                    _ => format!("{photos} صورة"),
                },
            }
        };
        match lang {
            UiLang::En => format!(
                "Still sending {what} to the marketplace; Hanout closes when they are there. Open Hanout again to see them."
            ),
            UiLang::Fr => format!(
                "Envoi en cours vers la place de marché : {what} ; Hanout se ferme une fois l'envoi fini. Rouvrez Hanout pour suivre."
            ),
            UiLang::Ar => format!(
                "ما زال الإرسال إلى السوق جاريًا: {what}؛ سيُغلق حانوت عند الانتهاء. افتح حانوت من جديد للمتابعة."
            ),
        }
    };
    match lang {
        Some(lang) => (
            match lang {
                UiLang::Ar => "حانوت".to_owned(),
                _ => "Hanout".to_owned(),
            },
            line(lang),
        ),
        None => (
            "Hanout — حانوت".to_owned(),
            [UiLang::Ar, UiLang::Fr, UiLang::En]
                .into_iter()
                .map(line)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    }
}

/// Arabic's plural category of `n` (CLDR: zero, one, two, few, many, other).
fn arabic_plural(n: usize) -> &'static str {
    match (n, n % 100) {
        (0, _) => "zero",
        (1, _) => "one",
        (2, _) => "two",
        (_, 3..=10) => "few",
        (_, 11..=99) => "many",
        _ => "other",
    }
}

fn named(titles: &[String]) -> String {
    // Titles keep their own direction inside the sentence (FSI … PDI).
    let shown: Vec<String> = titles
        .iter()
        .take(3)
        .map(|t| format!("\u{2068}{t}\u{2069}"))
        .collect();
    shown.join(", ")
}

fn live_line(lang: UiLang, titles: &[String]) -> String {
    let n = titles.len();
    let names = named(titles);
    match lang {
        UiLang::En if n == 1 => format!("Now live on the marketplace: {names}"),
        UiLang::En => format!("{n} listings are now live on the marketplace: {names}"),
        UiLang::Fr if n == 1 => format!("Maintenant en ligne sur la place de marché : {names}"),
        UiLang::Fr => {
            format!("{n} annonces sont maintenant en ligne sur la place de marché : {names}")
        }
        UiLang::Ar => match arabic_plural(n) {
            "one" => format!("صار إعلان واحد معروضًا في السوق: {names}"),
            "two" => format!("صار إعلانان معروضين في السوق: {names}"),
            "few" => format!("صارت {n} إعلانات معروضة في السوق: {names}"),
            "many" => format!("صار {n} إعلانًا معروضًا في السوق: {names}"),
            _ => format!("صار {n} إعلان معروضًا في السوق: {names}"),
        },
    }
}

fn refused_line(lang: UiLang, titles: &[String]) -> String {
    let n = titles.len();
    let names = named(titles);
    match lang {
        UiLang::En if n == 1 => {
            format!("Refused by the marketplace: {names} — open Hanout to see why")
        }
        UiLang::En => {
            format!(
                "{n} listings were refused by the marketplace: {names} — open Hanout to see why"
            )
        }
        UiLang::Fr if n == 1 => {
            format!("Refusée par la place de marché : {names} — ouvrez Hanout pour savoir pourquoi")
        }
        UiLang::Fr => format!(
            "{n} annonces refusées par la place de marché : {names} — ouvrez Hanout pour savoir pourquoi"
        ),
        UiLang::Ar => {
            let head = match arabic_plural(n) {
                "one" => "رفض السوق إعلانًا واحدًا".to_owned(),
                "two" => "رفض السوق إعلانين".to_owned(),
                "few" => format!("رفض السوق {n} إعلانات"),
                "many" => format!("رفض السوق {n} إعلانًا"),
                _ => format!("رفض السوق {n} إعلان"),
            };
            format!("{head}: {names} — افتح حانوت لمعرفة السبب")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(rows: &[(store::ListingId, LedgerKey, &str)]) -> Snapshot {
        rows.iter()
            .map(|(id, s, t)| (*id, (*s, (*t).to_owned())))
            .collect()
    }

    #[test]
    fn only_listings_that_went_live_or_were_refused_are_said() {
        let ids: Vec<store::ListingId> = (0..6).map(|_| store::ListingId::new()).collect();
        let before = snap(&[
            (ids[0], LedgerKey::Waiting, "Tapis Azilal"),
            (ids[1], LedgerKey::InReview, "Tajine"),
            (ids[2], LedgerKey::Live, "Huile d'argan"),
            (ids[3], LedgerKey::Waiting, "Babouches"),
            (ids[4], LedgerKey::Rejected, "Pouf"),
        ]);
        let after = snap(&[
            (ids[0], LedgerKey::Live, "Tapis Azilal"),
            (ids[1], LedgerKey::Live, "Tajine"),
            (ids[2], LedgerKey::Live, "Huile d'argan"),
            (ids[3], LedgerKey::Rejected, "Babouches"),
            (ids[4], LedgerKey::Rejected, "Pouf"),
            // New since the last look (a pull): nothing to say about it.
            (ids[5], LedgerKey::Live, "Couscoussier"),
        ]);
        let o = Outcomes::between(&before, &after);
        assert_eq!(o.live, ["Tajine", "Tapis Azilal"]);
        assert_eq!(o.refused, ["Babouches"]);
        assert_eq!(Outcomes::between(&after, &after), Outcomes::default());
        assert_eq!(message(Some(UiLang::En), &Outcomes::default()), None);
    }

    #[test]
    fn the_notification_speaks_the_managers_language_with_arabic_plurals() {
        let o = |live: usize, refused: usize| Outcomes {
            live: (0..live).map(|i| format!("T{i}")).collect(),
            refused: (0..refused).map(|i| format!("R{i}")).collect(),
        };
        let body = |lang, o: &Outcomes| message(Some(lang), o).unwrap().1;
        assert_eq!(
            body(UiLang::En, &o(1, 0)),
            "Now live on the marketplace: \u{2068}T0\u{2069}"
        );
        assert!(body(UiLang::En, &o(2, 1)).starts_with("2 listings are now live"));
        assert!(
            body(UiLang::En, &o(2, 1)).contains("\nRefused by the marketplace: \u{2068}R0\u{2069}")
        );
        assert!(
            body(UiLang::Fr, &o(1, 0)).starts_with("Maintenant en ligne sur la place de marché")
        );
        assert!(body(UiLang::Fr, &o(0, 3)).starts_with("3 annonces refusées"));
        // Arabic: one, two, few (3–10), many (11–99), other (100+).
        assert!(body(UiLang::Ar, &o(1, 0)).starts_with("صار إعلان واحد"));
        assert!(body(UiLang::Ar, &o(2, 0)).starts_with("صار إعلانان"));
        assert!(body(UiLang::Ar, &o(3, 0)).starts_with("صارت 3 إعلانات"));
        assert!(body(UiLang::Ar, &o(11, 0)).starts_with("صار 11 إعلانًا"));
        assert!(body(UiLang::Ar, &o(100, 0)).starts_with("صار 100 إعلان "));
        assert!(body(UiLang::Ar, &o(0, 2)).starts_with("رفض السوق إعلانين"));
        // Three titles at most.
        assert_eq!(body(UiLang::En, &o(5, 0)).matches('\u{2068}').count(), 3);
        // Before the window said its language: all three.
        let (title, all) = message(None, &o(1, 0)).unwrap();
        assert_eq!(title, "Hanout — حانوت");
        assert_eq!(all.lines().count(), 3);
    }

    #[test]
    fn closing_with_work_waiting_says_what_still_goes_in_each_language() {
        let (_, en) = keeps_sending(Some(UiLang::En), 3, 5);
        assert!(
            en.starts_with("Still sending 3 listings to the marketplace"),
            "{en}"
        );
        let (_, en) = keeps_sending(Some(UiLang::En), 0, 1);
        assert!(en.starts_with("Still sending 1 photo "), "{en}");
        let (_, fr) = keeps_sending(Some(UiLang::Fr), 1, 0);
        assert!(fr.contains(": 1 annonce ;"), "{fr}");
        let (title, ar) = keeps_sending(Some(UiLang::Ar), 2, 0);
        assert_eq!(title, "حانوت");
        assert!(ar.contains("إعلانان"), "{ar}");
        assert!(
            keeps_sending(Some(UiLang::Ar), 11, 0)
                .1
                .contains("11 إعلانًا")
        );
        assert_eq!(keeps_sending(None, 1, 0).1.lines().count(), 3);
    }

    #[test]
    fn a_snapshot_reads_each_listings_state_from_the_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store::open(&dir.path().join("catalog.db")).unwrap();
        let new = |t: &str| {
            store::NewListing::new(
                store::Titles::from_single(t),
                store::Price::parse("100").unwrap(),
            )
            .unwrap()
        };
        let a = s.create_listing(new("Tapis"), 1_000).unwrap().id;
        let b = s.create_listing(new("Tajine"), 1_001).unwrap().id;
        let before = snapshot(&s, Some(UiLang::En)).unwrap();
        assert_eq!(before[&a].0, LedgerKey::Waiting);
        let pending = s.pending_changes(10).unwrap();
        let acks: Vec<_> = pending
            .iter()
            .map(|p| {
                let ack = if p.listing_id == a {
                    store::PushAck::Accepted
                } else {
                    store::PushAck::Rejected {
                        reason: "invalid".into(),
                    }
                };
                (p.listing_id, p.seq, ack)
            })
            .collect();
        s.record_acks(&acks, 2_000).unwrap();
        let after = snapshot(&s, None).unwrap();
        let o = Outcomes::between(&before, &after);
        assert_eq!(o.live, ["Tapis"]);
        assert_eq!(o.refused, ["Tajine"]);
        let _ = b;
    }
}
