use anyhow::Result;
use serde_json::json;

use super::{DataDir, now_ms};
use crate::args::Lang;
use crate::messages::pick;
use crate::output::{Outcome, Output};

pub fn run(data: &DataDir, out: &Output) -> Result<Outcome> {
    let store = data.read()?;
    let listings = store.listings()?;
    let count =
        |state: fn(&store::SyncState) -> bool| listings.iter().filter(|l| state(&l.sync)).count();
    let waiting = count(|s| matches!(s, store::SyncState::Waiting));
    let live = count(|s| matches!(s, store::SyncState::Live));
    let failed = count(|s| matches!(s, store::SyncState::Failed { .. }));
    let photos_waiting = store.photos_waiting()?;
    let market = store.setting(store::SettingKey::MarketUrl)?;
    let enrolled = store.setting(store::SettingKey::DeviceToken)?.is_some();
    let backups = store::list_backups(&data.catalog());
    // Photos the app is sending right now.
    let uploading = sync::read_progress(&data.dir, now_ms());
    let title = |id: store::ListingId| {
        listings
            .iter()
            .find(|l| l.id == id)
            .and_then(|l| l.titles.iter().next().map(str::to_owned))
            .unwrap_or_else(|| id.to_string())
    };
    // Each listing not simply live, with where it stands.
    let mut ledgers = Vec::new();
    for l in &listings {
        let ledger = super::listing::ledger_json(data, l, &store.ledger(l.id)?, market.as_deref());
        if ledger["state"] != "live" {
            ledgers.push((l, ledger));
        }
    }
    let lang = match out.lang {
        crate::args::Lang::Ar => "ar",
        crate::args::Lang::Fr => "fr",
        crate::args::Lang::En => "en",
    };
    out.print(
        || {
            let mut text = format!(
                "{}: {}\n{}: {waiting}  {}: {live}  {}: {failed}  {}: {photos_waiting}\n{}: {}{}\n{}: {}",
                pick(out.lang, "الإعلانات", "annonces", "listings"),
                listings.len(),
                pick(out.lang, "في الانتظار", "en attente", "waiting"),
                pick(out.lang, "معروضة", "en ligne", "live"),
                pick(out.lang, "مرفوضة", "refusées", "failed"),
                pick(out.lang, "صور في الانتظار", "photos en attente", "photos waiting"),
                pick(out.lang, "السوق", "marketplace", "marketplace"),
                market.as_deref().unwrap_or("-"),
                if enrolled {
                    ""
                } else {
                    pick(out.lang, " (غير مسجَّل)", " (non inscrit)", " (not enrolled)")
                },
                pick(
                    out.lang,
                    "آخر نسخة احتياطية",
                    "dernière sauvegarde",
                    "latest backup"
                ),
                backups
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "-".to_owned()),
            );
            for (l, ledger) in &ledgers {
                text.push_str(&format!(
                    "\n  {}  {}: {}",
                    l.id,
                    l.titles.display(lang),
                    super::listing::ledger_line(out, ledger)
                ));
            }
            if let Some(up) = &uploading {
                text.push('\n');
                text.push_str(&uploading_text(out.lang, up, &title));
            }
            text
        },
        json!({
            "listings": listings.len(),
            "waiting": waiting,
            "live": live,
            "failed": failed,
            "photos_waiting": photos_waiting,
            "market_url": market,
            "enrolled": enrolled,
            "data_dir": data.dir,
            "latest_backup": backups.first(),
            "uploading": uploading.as_ref().map(|up| json!({
                "bytes_sent": up.bytes_sent,
                "bytes_total": up.bytes_total,
                "rate_bytes_per_s": up.rate_bytes_per_s,
                "seconds_left": up.seconds_left,
                "listings": up.listings.iter().map(|l| json!({
                    "id": l.listing_id.to_string(),
                    "title": title(l.listing_id),
                    "photos_sent": l.sent,
                    "photos": l.total,
                })).collect::<Vec<_>>(),
            })),
            "not_live": ledgers
                .iter()
                .map(|(l, ledger)| json!({ "id": l.id.to_string(), "title": l.titles.display(lang), "ledger": ledger }))
                .collect::<Vec<_>>(),
        }),
    );
    Ok(Outcome::Ok)
}

/// `photos: 3.2 MB of 15.7 MB sent, 124 kB/s, about 1 min 41 s left`, then
/// one line per listing on its way: `  Tapis Azilal: photos 1 of 3`.
fn uploading_text(
    lang: Lang,
    up: &sync::Uploading,
    title: &dyn Fn(store::ListingId) -> String,
) -> String {
    let mut line = format!(
        "{}: {} {} {} {}",
        pick(lang, "الصور", "photos", "photos"),
        megabytes(up.bytes_sent),
        pick(lang, "من", "sur", "of"),
        megabytes(up.bytes_total),
        pick(lang, "أُرسلت", "envoyés", "sent"),
    );
    if let Some(rate) = up.rate_bytes_per_s {
        line += &format!(", {:.0} kB/s", rate as f64 / 1000.0);
    }
    match up.seconds_left {
        Some(left) => {
            line += &format!(
                ", {} {}",
                pick(lang, "يتبقى حوالي", "encore environ", "about"),
                duration(lang, left)
            );
            if lang == Lang::En {
                line += " left";
            }
        }
        None => {
            line += pick(
                lang,
                "، جارٍ قياس السرعة",
                ", débit en cours de mesure",
                ", measuring the speed",
            )
        }
    }
    for listing in &up.listings {
        line += &format!(
            "\n  {}: {} {} {} {}",
            title(listing.listing_id),
            pick(lang, "الصور", "photos", "photos"),
            listing.sent,
            pick(lang, "من", "sur", "of"),
            listing.total
        );
    }
    line
}

/// `3.2 MB`.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `1 min 41 s`, `2 h 5 min`, `40 s` (Arabic: `1 د 41 ث`, `2 س 5 د`).
fn duration(lang: Lang, seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let (hu, mu, su) = match lang {
        Lang::Ar => ("س", "د", "ث"),
        Lang::Fr | Lang::En => ("h", "min", "s"),
    };
    if h > 0 {
        format!("{h} {hu} {m} {mu}")
    } else if m > 0 {
        format!("{m} {mu} {s} {su}")
    } else {
        format!("{s} {su}")
    }
}
