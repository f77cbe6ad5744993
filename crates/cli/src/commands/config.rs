//! `hanout config`: the sync settings the window's settings panel shows,
//! stored in the catalog (`store::SyncPrefs`), read by every syncer.

use anyhow::Result;
use serde_json::json;

use super::DataDir;
use crate::messages::{UsageError, pick};
use crate::output::{Outcome, Output};

pub struct Changes<'a> {
    pub paused: Option<bool>,
    pub metered: Option<&'a str>,
    pub budget_mb: Option<&'a str>,
    pub market_url: Option<&'a str>,
}

impl Changes<'_> {
    fn any(&self) -> bool {
        self.paused.is_some()
            || self.metered.is_some()
            || self.budget_mb.is_some()
            || self.market_url.is_some()
    }
}

const MB: u64 = 1_000_000;

pub fn run(data: &DataDir, changes: Changes<'_>, out: &Output) -> Result<Outcome> {
    let store = if changes.any() {
        let (lock, store) = data.write()?;
        apply(&store, &changes, out)?;
        drop(lock);
        store
    } else {
        data.read()?
    };
    let prefs = store.sync_prefs()?;
    let market = store.setting(store::SettingKey::MarketUrl)?;
    let used = store.data_used(super::now_ms())?;
    let yes = pick(out.lang, "نعم", "oui", "yes");
    let no = pick(out.lang, "لا", "non", "no");
    let auto = pick(out.lang, "تلقائي", "automatique", "automatic");
    let none = pick(out.lang, "بلا حد", "aucun", "none");
    out.print(
        || {
            format!(
                "{}: {}\n{}: {}\n{}: {}\n{}: {} MB\n{}: {}",
                pick(
                    out.lang,
                    "المزامنة متوقفة",
                    "synchronisation en pause",
                    "sync paused"
                ),
                if prefs.paused { yes } else { no },
                pick(
                    out.lang,
                    "اتصال محسوب بالحجم",
                    "connexion facturée au volume",
                    "metered connection"
                ),
                match prefs.metered {
                    Some(true) => yes,
                    Some(false) => no,
                    None => auto,
                },
                pick(out.lang, "الحد اليومي", "budget quotidien", "daily budget"),
                prefs
                    .daily_budget_bytes
                    .map_or_else(|| none.to_owned(), |b| format!("{} MB", b / MB)),
                pick(
                    out.lang,
                    "المستهلك اليوم",
                    "utilisé aujourd'hui",
                    "used today"
                ),
                used.div_ceil(MB),
                pick(out.lang, "السوق", "marketplace", "marketplace"),
                market.as_deref().unwrap_or("-"),
            )
        },
        json!({
            "paused": prefs.paused,
            "metered": prefs.metered,
            "daily_budget_bytes": prefs.daily_budget_bytes,
            "used_today_bytes": used,
            "market_url": market,
        }),
    );
    Ok(Outcome::Ok)
}

fn apply(store: &store::Store, changes: &Changes<'_>, out: &Output) -> Result<()> {
    let mut prefs = store.sync_prefs()?;
    if let Some(paused) = changes.paused {
        prefs.paused = paused;
    }
    if let Some(metered) = changes.metered {
        prefs.metered = match metered {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
    }
    if let Some(budget) = changes.budget_mb {
        prefs.daily_budget_bytes = match budget.trim() {
            "none" | "0" | "" => None,
            mb => Some(
                mb.parse::<u64>()
                    .map_err(|_| {
                        UsageError(
                            pick(
                                out.lang,
                                "الحد اليومي عدد من الميغابايت، أو none",
                                "le budget est un nombre de mégaoctets, ou none",
                                "the budget is a number of megabytes, or none",
                            )
                            .to_owned(),
                        )
                    })?
                    .saturating_mul(MB),
            ),
        };
    }
    if let Some(url) = changes.market_url {
        let enrolled = store.setting(store::SettingKey::DeviceToken)?.is_some();
        if enrolled {
            return Err(UsageError(
                pick(
                    out.lang,
                    "هذا الحاسوب مسجَّل في سوق؛ لتغييره استعمل hanout connect",
                    "cet ordinateur est inscrit sur une marketplace ; pour en changer, utilisez hanout connect",
                    "this computer is enrolled with a marketplace; to change it use hanout connect",
                )
                .to_owned(),
            )
            .into());
        }
        let url = sync::parse_market_url(url).map_err(|e| {
            UsageError(
                match e {
                    sync::MarketUrlError::Insecure => pick(
                        out.lang,
                        "لا يُقبل عنوان http:// العادي إلا على هذا الحاسوب أو شبكة محلية — استعمل https://",
                        "une adresse http:// simple n'est acceptée que sur cet ordinateur ou un réseau local — utilisez https://",
                        "plain http:// is only accepted on this computer or a local network — use https://",
                    ),
                    sync::MarketUrlError::Invalid => pick(
                        out.lang,
                        "ليس عنوان سوق صالحًا",
                        "ce n'est pas une adresse de marketplace valable",
                        "not a valid marketplace address",
                    ),
                }
                .to_owned(),
            )
        })?;
        store.set_setting(
            store::SettingKey::MarketUrl,
            Some(url.as_str().trim_end_matches('/')),
        )?;
    }
    store.set_sync_prefs(&prefs)?;
    Ok(())
}
