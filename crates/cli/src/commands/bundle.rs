//! `hanout bundle export|import` (a file on a USB stick) and `hanout peer
//! share|find|sync` (the stand's network): the cooperative's two laptops
//! syncing without the marketplace, through the `peer` crate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};

use super::{DataDir, now_ms, runtime};
use crate::args::{BundleCommand, PeerCommand};
use crate::messages::pick;
use crate::output::{Outcome, Output};

pub fn bundle(data: &DataDir, cmd: &BundleCommand, out: &Output) -> Result<Outcome> {
    let (_lock, mut store) = data.write()?;
    match cmd {
        BundleCommand::Export { file, no_photos } => {
            let made = peer::export_file(&mut store, file, !no_photos, now_ms())?;
            out.print(
                || {
                    format!(
                        "{} {}: {} {}, {} {}, {} {}, {} {} ({:.1} MB)",
                        pick(out.lang, "كُتبت الحزمة", "lot écrit", "bundle written"),
                        file.display(),
                        made.listings,
                        pick(out.lang, "إعلان", "annonce(s)", "listing(s)"),
                        made.changes,
                        pick(out.lang, "تغيير", "modification(s)", "change(s)"),
                        made.sales,
                        pick(out.lang, "بيع", "vente(s)", "sale(s)"),
                        made.photos,
                        pick(out.lang, "صورة", "photo(s)", "photo(s)"),
                        made.bytes as f64 / 1e6,
                    )
                },
                json!({ "exported": made_json(&made), "file": file }),
            );
        }
        BundleCommand::Import { file } => {
            let taken = peer::import_file(&mut store, file, now_ms())?;
            out.print(
                || taken_text(out, &taken),
                json!({ "imported": taken_json(&taken) }),
            );
        }
    }
    Ok(Outcome::Ok)
}

pub fn peer(data: &DataDir, cmd: &PeerCommand, out: &Output) -> Result<Outcome> {
    match cmd {
        PeerCommand::Share {
            port,
            once,
            no_mdns,
        } => share(
            data,
            port.unwrap_or(peer::DEFAULT_PORT),
            *once,
            !no_mdns,
            out,
        ),
        PeerCommand::Find { wait } => {
            let found = peer::discover(peer::Mdns::On, Duration::from_secs(*wait), usize::MAX)?;
            out.print(
                || {
                    if found.is_empty() {
                        return pick(
                            out.lang,
                            "لم يُعثر على أي حاسوب يشارك؛ اكتب العنوان الظاهر على الحاسوب الآخر",
                            "aucun ordinateur ne partage ici ; tapez l'adresse affichée sur l'autre",
                            "no laptop found sharing; type the address shown on the other one",
                        )
                        .to_owned();
                    }
                    found
                        .iter()
                        .map(|f| format!("{}  {}", f.name, f.addresses.join(" ")))
                        .collect::<Vec<_>>()
                        .join("\n")
                },
                json!({ "found": found.iter().map(|f| json!({
                    "name": f.name, "key": f.key, "addresses": f.addresses,
                })).collect::<Vec<_>>() }),
            );
            Ok(Outcome::Ok)
        }
        PeerCommand::Sync { address, code } => {
            let (_lock, store) = data.write()?;
            let store = Arc::new(Mutex::new(store));
            let done = runtime()?.block_on(peer::exchange(store, address, code))?;
            out.print(
                || {
                    format!(
                        "{} {}\n{}: {} {}, {} {}\n{}",
                        pick(
                            out.lang,
                            "تمت المزامنة مع",
                            "synchronisé avec",
                            "synced with"
                        ),
                        done.with,
                        pick(out.lang, "أُرسل", "envoyé", "sent"),
                        done.sent.listings,
                        pick(out.lang, "إعلان", "annonce(s)", "listing(s)"),
                        done.sent.photos,
                        pick(out.lang, "صورة", "photo(s)", "photo(s)"),
                        taken_text(out, &done.taken),
                    )
                },
                json!({
                    "with": done.with,
                    "sent": made_json(&done.sent),
                    "taken": taken_json(&done.taken),
                }),
            );
            Ok(Outcome::Ok)
        }
    }
}

fn share(data: &DataDir, port: u16, once: bool, mdns: bool, out: &Output) -> Result<Outcome> {
    let (_lock, store) = data.write()?;
    let store = Arc::new(Mutex::new(store));
    let rt = runtime()?;
    rt.block_on(async {
        let bind = SocketAddr::from(([0, 0, 0, 0], port));
        let announce = if mdns { peer::Mdns::On } else { peer::Mdns::Off };
        let share = peer::share(store, bind, announce).await?;
        let mut events = share.subscribe();
        let addresses = share.addresses();
        let code = share.code();
        out.line(
            || {
                format!(
                    "{}\n  {}\n{} {}  ({})",
                    pick(
                        out.lang,
                        "هذا الحاسوب يشارك. على الحاسوب الآخر اختر هذا الحاسوب أو اكتب العنوان:",
                        "Cet ordinateur partage. Sur l'autre, choisissez-le ou tapez l'adresse :",
                        "This laptop is sharing. On the other one, pick it or type the address:",
                    ),
                    addresses.join("\n  "),
                    pick(out.lang, "والرمز:", "et le code :", "and the code:"),
                    spaced(&code),
                    peer::exchange::qr_text(&addresses[0]),
                )
            },
            json!({ "sharing": { "addresses": addresses, "code": code, "announced": share.announced() } }),
        );
        loop {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = tokio::signal::ctrl_c() => break,
            };
            let Ok(event) = event else { continue };
            match event {
                peer::ShareEvent::Exchanged { with, taken, sent } => {
                    out.line(
                        || {
                            format!(
                                "{} {}: {}",
                                pick(out.lang, "تمت المزامنة مع", "synchronisé avec", "synced with"),
                                with,
                                taken_text(out, &taken)
                            )
                        },
                        json!({ "exchanged": { "with": with, "taken": taken_json(&taken), "sent": made_json(&sent) } }),
                    );
                    if once {
                        break;
                    }
                }
                peer::ShareEvent::WrongCode { tries_left } => out.line(
                    || {
                        format!(
                            "{} ({tries_left})",
                            pick(out.lang, "رمز خاطئ", "code erroné", "wrong code")
                        )
                    },
                    json!({ "wrong_code": { "tries_left": tries_left } }),
                ),
                peer::ShareEvent::CodeChanged { code } => out.line(
                    || {
                        format!(
                            "{} {}",
                            pick(out.lang, "الرمز الجديد:", "nouveau code :", "new code:"),
                            spaced(&code)
                        )
                    },
                    json!({ "code_changed": { "code": code } }),
                ),
                peer::ShareEvent::Failed { reason } => out.line(
                    || reason.clone(),
                    json!({ "failed": { "reason": reason } }),
                ),
            }
        }
        share.stop().await;
        anyhow::Ok(())
    })?;
    Ok(Outcome::Ok)
}

/// `123456` → `123 456`, easier to read out.
fn spaced(code: &str) -> String {
    if code.len() == 6 {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

fn taken_text(out: &Output, t: &store::BundleTaken) -> String {
    format!(
        "{}: {} {}, {} {}, {} {}, {} {}, {} {}",
        pick(out.lang, "استُلم", "reçu", "taken in"),
        t.new_listings,
        pick(
            out.lang,
            "إعلان جديد",
            "nouvelle(s) annonce(s)",
            "new listing(s)"
        ),
        t.updated_listings,
        pick(
            out.lang,
            "إعلان محدَّث",
            "annonce(s) mise(s) à jour",
            "updated listing(s)"
        ),
        t.changes,
        pick(out.lang, "تغيير", "modification(s)", "change(s)"),
        t.sales,
        pick(out.lang, "بيع", "vente(s)", "sale(s)"),
        t.photos,
        pick(out.lang, "صورة", "photo(s)", "photo(s)"),
    )
}

fn made_json(m: &store::BundleMade) -> Value {
    json!({
        "listings": m.listings, "changes": m.changes, "sales": m.sales,
        "photos": m.photos, "bytes": m.bytes,
    })
}

fn taken_json(t: &store::BundleTaken) -> Value {
    json!({
        "from": t.from, "new_listings": t.new_listings, "updated_listings": t.updated_listings,
        "changes": t.changes, "sales": t.sales, "photos": t.photos,
    })
}
