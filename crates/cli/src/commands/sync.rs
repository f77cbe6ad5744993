//! `hanout connect` and `hanout sync [--watch]`: the sync engine without
//! the desktop app. The rules (one syncer per catalog, when to sync again)
//! live in `sync::headless`; this parses, calls and prints.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};
use sync::headless::{Pass, Summary, WatchEvent};

use super::DataDir;
use crate::args::Lang;
use crate::messages::pick;
use crate::output::{Outcome, Output};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn config() -> sync::Config {
    sync::Config {
        device_name: device_name(),
        ..sync::Config::default()
    }
}

fn device_name() -> String {
    // HOSTNAME (some Unix shells), COMPUTERNAME (Windows), /etc/hostname (Linux).
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => format!("Hanout CLI ({host})"),
        None => "Hanout CLI".to_owned(),
    }
}

pub fn connect(data: &DataDir, url: &str, code: &str, out: &Output) -> Result<Outcome> {
    std::fs::create_dir_all(&data.dir)?;
    let result = runtime()?.block_on(sync::headless::connect(
        &data.dir,
        url,
        code,
        config(),
        Arc::new(sync::SystemClock),
    ));
    match result {
        Ok(cooperative) => {
            out.print(
                || {
                    format!(
                        "{} {cooperative}",
                        pick(
                            out.lang,
                            "متصل بالسوق باسم",
                            "connecté à la marketplace pour",
                            "connected to the marketplace for"
                        )
                    )
                },
                json!({ "connected": true, "cooperative": cooperative }),
            );
            Ok(Outcome::Ok)
        }
        Err(e) => Err(SyncFailed {
            kind: match &e {
                sync::Error::Store(store::Error::Locked) => "locked",
                e => e.kind().key(),
            },
            message: sync_error(out.lang, &e),
        }
        .into()),
    }
}

pub fn sync(
    data: &DataDir,
    watch: bool,
    interval: u64,
    send_photos: bool,
    out: &Output,
) -> Result<Outcome> {
    std::fs::create_dir_all(&data.dir)?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HANOUT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = runtime()?;
    let clock: Arc<dyn sync::Clock> = Arc::new(sync::SystemClock);
    let config = || sync::Config {
        send_photos_now: send_photos,
        ..config()
    };
    if watch {
        let config = sync::Config {
            idle_interval: Duration::from_secs(interval.max(1)),
            ..config()
        };
        rt.block_on(sync::headless::watch(
            data.dir.clone(),
            config,
            clock,
            |event| print_event(out, &event),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        ));
        return Ok(Outcome::Ok);
    }
    match rt.block_on(sync::headless::sync_catalog(&data.dir, config(), clock)) {
        Ok(Pass::AppSyncing) => {
            out.print(
                || app_syncing(out.lang).to_owned(),
                json!({ "app_syncing": true }),
            );
            Ok(Outcome::Ok)
        }
        Ok(Pass::Ran(summary)) => {
            out.print(|| summary_text(out.lang, &summary), summary_json(&summary));
            Ok(if summary.all_done() {
                Outcome::Ok
            } else {
                Outcome::SomeFailed
            })
        }
        Err(e) => Err(SyncFailed {
            kind: e.kind().key(),
            message: sync_error(out.lang, &e),
        }
        .into()),
    }
}

/// A failed pass: exit code 2 with a translated reason.
#[derive(Debug)]
pub struct SyncFailed {
    pub kind: &'static str,
    pub message: String,
}

impl std::fmt::Display for SyncFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyncFailed {}

fn print_event(out: &Output, event: &WatchEvent) {
    match event {
        WatchEvent::Pass(Pass::AppSyncing) => {
            out.line(
                || app_syncing(out.lang).to_owned(),
                json!({ "app_syncing": true }),
            );
        }
        WatchEvent::Pass(Pass::Ran(summary)) => {
            out.line(|| summary_text(out.lang, summary), summary_json(summary));
        }
        WatchEvent::Failed { error, retry_in } => {
            let secs = retry_in.as_secs();
            out.line(
                || {
                    format!(
                        "{} — {} {secs} s",
                        sync_error(out.lang, error),
                        pick(out.lang, "محاولة جديدة خلال", "nouvel essai dans", "trying again within")
                    )
                },
                json!({ "error": { "kind": error.kind().key(), "message": sync_error(out.lang, error) }, "retry_in_s": secs }),
            );
        }
    }
}

fn app_syncing(lang: Lang) -> &'static str {
    pick(
        lang,
        "تطبيق حانوت مفتوح على هذا الكتالوج ويزامنه بنفسه",
        "l'application Hanout est ouverte sur ce catalogue et le synchronise elle-même",
        "the Hanout app is open on this catalog and syncs it itself",
    )
}

fn summary_text(lang: Lang, s: &Summary) -> String {
    let r = &s.report;
    let mut lines = vec![format!(
        "{}: {}  {}: {}  {}: {}  {}: {} ({} KB)",
        pick(lang, "أُرسلت", "envoyées", "sent"),
        r.accepted,
        pick(lang, "وصلت", "reçues", "received"),
        r.pulled,
        pick(lang, "مرفوضة", "refusées", "refused"),
        s.rejected.len(),
        pick(lang, "صور مرفوعة", "photos envoyées", "photos uploaded"),
        r.photos_uploaded,
        r.photo_bytes_sent / 1024,
    )];
    lines.push(format!(
        "{}: {}  {}: {}  {}: {}",
        pick(lang, "في الانتظار", "en attente", "waiting"),
        s.waiting,
        pick(
            lang,
            "صور في الانتظار",
            "photos en attente",
            "photos waiting"
        ),
        s.photos_waiting,
        pick(
            lang,
            "صور للتنزيل",
            "photos à télécharger",
            "photos to download"
        ),
        s.downloads_waiting,
    ));
    if r.budget_reached {
        lines.push(pick_fmt(
            lang,
            [
                "انتهت ميزانية البيانات لهذا اليوم — ما تبقّى ينتظر الغد (حتى {mb} ميغابايت من الصور). لتغييرها: hanout config --budget-mb",
                "le budget de données du jour est épuisé — le reste attend demain (jusqu'à {mb} Mo de photos). Pour le changer : hanout config --budget-mb",
                "today's data budget is spent — the rest waits for tomorrow (up to {mb} MB of photos). To change it: hanout config --budget-mb",
            ],
            &megabytes(r.photo_bytes_waiting),
        ));
    }
    if r.photos_held > 0 {
        lines.push(pick_fmt(
            lang,
            [
                "اتصال محسوب: أُرسلت النصوص والصور المصغّرة؛ {n} صورة بالحجم الكامل تنتظر اتصالًا غير محسوب — لإرسالها الآن: hanout sync --send-photos",
                "connexion facturée au volume : textes et vignettes envoyés ; {n} photo(s) en grand format attendent une connexion non facturée — pour les envoyer maintenant : hanout sync --send-photos",
                "metered connection: text and thumbnails sent; {n} full-size photo(s) wait for an unmetered link — to send them now: hanout sync --send-photos",
            ],
            &r.photos_held.to_string(),
        ));
    }
    for rejected in &s.rejected {
        lines.push(format!(
            "  ✗ {} ({}): {}",
            rejected.title,
            rejected.id,
            reject_reason(lang, &rejected.reason)
        ));
    }
    lines.join("\n")
}

fn summary_json(s: &Summary) -> Value {
    let r = &s.report;
    json!({
        "pushed": r.accepted,
        "conflicts": r.conflicts,
        "pulled": r.pulled,
        "photos_uploaded": r.photos_uploaded,
        "photo_bytes_sent": r.photo_bytes_sent,
        "photos_downloaded": r.photos_downloaded,
        "photo_bytes_received": r.photo_bytes_received,
        "rejected": s.rejected.iter().map(|x| json!({ "id": x.id, "title": x.title, "reason": x.reason })).collect::<Vec<_>>(),
        "waiting": s.waiting,
        "photos_waiting": s.photos_waiting,
        "downloads_waiting": s.downloads_waiting,
        "cooperative": s.cooperative,
        "clock_skew_ms": r.clock_skew_ms,
        "budget_reached": r.budget_reached,
        "photos_held": r.photos_held,
        "photo_bytes_waiting": r.photo_bytes_waiting,
        "bytes_up": r.bytes_up,
        "bytes_down": r.bytes_down,
        "all_done": s.all_done(),
    })
}

/// `template` in `lang` (ar, fr, en) with its `{mb}` or `{n}` filled.
fn pick_fmt(lang: Lang, [ar, fr, en]: [&'static str; 3], value: &str) -> String {
    pick(lang, ar, fr, en)
        .replace("{mb}", value)
        .replace("{n}", value)
}

/// Bytes as megabytes with one decimal (`12.4`).
fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

fn reject_reason(lang: Lang, key: &str) -> String {
    match key {
        "forbidden" => pick(
            lang,
            "الإعلان لتعاونية أخرى",
            "l'annonce appartient à une autre coopérative",
            "the listing belongs to another cooperative",
        )
        .to_owned(),
        "invalid" => pick(
            lang,
            "رفض السوق محتوى الإعلان",
            "la marketplace a refusé le contenu de l'annonce",
            "the marketplace refused the listing's content",
        )
        .to_owned(),
        "too_large" => pick(
            lang,
            "الإعلان أكبر مما يقبله السوق",
            "l'annonce dépasse ce que la marketplace accepte",
            "the listing is larger than the marketplace accepts",
        )
        .to_owned(),
        other => other.to_owned(),
    }
}

/// What went wrong, in the user's language, with what to do.
pub fn sync_error(lang: Lang, e: &sync::Error) -> String {
    if let sync::Error::Store(store::Error::Locked) = e {
        return pick(
            lang,
            "حانوت مفتوح على هذا الكتالوج؛ أغلق التطبيق ثم أعد المحاولة",
            "Hanout est ouvert sur ce catalogue ; fermez l'application et réessayez",
            "Hanout is open on this catalog; close the app and try again",
        )
        .to_owned();
    }
    if let sync::Error::MarketLocked = e {
        return pick(
            lang,
            "هذا الحاسوب مسجَّل في سوق آخر؛ إعلاناته هناك",
            "cet ordinateur est inscrit sur une autre marketplace ; ses annonces y sont",
            "this computer is enrolled with another marketplace; its listings live there",
        )
        .to_owned();
    }
    let text = match e.kind() {
        sync::ErrorKind::NotConfigured => pick(
            lang,
            "لم يُحدَّد عنوان السوق — استعمل: hanout connect العنوان --code الرمز",
            "aucune marketplace n'est configurée — utilisez : hanout connect ADRESSE --code CODE",
            "no marketplace is set — use: hanout connect ADDRESS --code CODE",
        ),
        sync::ErrorKind::Insecure => pick(
            lang,
            "لا يُقبل عنوان http:// العادي إلا على هذا الحاسوب أو شبكة محلية — استعمل https://",
            "une adresse http:// simple n'est acceptée que sur cet ordinateur ou un réseau local — utilisez https://",
            "plain http:// is only accepted on this computer or a local network — use https://",
        ),
        sync::ErrorKind::NotEnrolled => pick(
            lang,
            "هذا الحاسوب غير مسجَّل بعد — اطلب رمزًا من السوق",
            "cet ordinateur n'est pas encore inscrit — demandez un code à la marketplace",
            "this computer is not enrolled yet — ask the marketplace for a code",
        ),
        sync::ErrorKind::Unauthorized => pick(
            lang,
            "رفض السوق هذا الحاسوب أو الرمز — اطلب رمزًا جديدًا",
            "la marketplace a refusé cet ordinateur ou ce code — demandez un nouveau code",
            "the marketplace refused this computer or code — ask for a new code",
        ),
        sync::ErrorKind::Network => pick(
            lang,
            "تعذّر الوصول إلى السوق (لا اتصال)",
            "la marketplace est injoignable (pas de connexion)",
            "the marketplace cannot be reached (no connection)",
        ),
        sync::ErrorKind::Server => pick(
            lang,
            "واجه السوق مشكلة؛ أعد المحاولة لاحقًا",
            "la marketplace a eu un problème ; réessayez plus tard",
            "the marketplace had a problem; try again later",
        ),
        sync::ErrorKind::Protocol => pick(
            lang,
            "أجاب السوق بشيء غير متوقع؛ أعد المحاولة لاحقًا",
            "la marketplace a répondu de façon inattendue ; réessayez plus tard",
            "the marketplace gave an unexpected answer; try again later",
        ),
        sync::ErrorKind::Storage => pick(
            lang,
            "تعذّرت قراءة الكتالوج المحلي — راجع السجل",
            "le catalogue local n'a pas pu être lu — voir le journal",
            "the local catalog could not be read — see the log",
        ),
        sync::ErrorKind::Paused => pick(
            lang,
            "المزامنة متوقفة مؤقتًا — لاستئنافها: hanout config --resume",
            "la synchronisation est en pause — pour reprendre : hanout config --resume",
            "sync is paused — to resume: hanout config --resume",
        ),
        sync::ErrorKind::BudgetReached => pick(
            lang,
            "انتهت ميزانية البيانات لهذا اليوم — لتغييرها: hanout config --budget-mb",
            "le budget de données du jour est épuisé — pour le changer : hanout config --budget-mb",
            "today's data budget is spent — to change it: hanout config --budget-mb",
        ),
        sync::ErrorKind::DiskFull => pick(
            lang,
            "القرص ممتلئ — احذف بعض الملفات",
            "le disque est plein — libérez de la place",
            "the disk is full — free some space",
        ),
    };
    text.to_owned()
}
