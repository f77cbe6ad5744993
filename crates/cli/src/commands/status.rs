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
    out.print(
        || {
            format!(
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
            )
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
        }),
    );
    Ok(Outcome::Ok)
}
