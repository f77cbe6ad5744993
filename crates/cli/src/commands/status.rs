use anyhow::Result;
use serde_json::json;

use super::DataDir;
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
            "not_live": ledgers
                .iter()
                .map(|(l, ledger)| json!({ "id": l.id.to_string(), "title": l.titles.display(lang), "ledger": ledger }))
                .collect::<Vec<_>>(),
        }),
    );
    Ok(Outcome::Ok)
}
