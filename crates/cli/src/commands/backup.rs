use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::DataDir;
use crate::messages::pick;
use crate::output::{Outcome, Output};

pub fn backup(data: &DataDir, file: Option<&Path>, out: &Output) -> Result<Outcome> {
    let store = data.read()?;
    let path = match file {
        Some(file) => {
            store.backup_to(file)?;
            file.to_owned()
        }
        None => store.rolling_backup("manual")?,
    };
    out.print(
        || {
            format!(
                "{} {}",
                pick(out.lang, "نسخة احتياطية:", "sauvegarde :", "backup:"),
                path.display()
            )
        },
        json!({ "backup": path }),
    );
    Ok(Outcome::Ok)
}

/// Restores `file`; if unsynced listings would be lost, asks on a terminal,
/// otherwise needs `--yes`.
pub fn restore(data: &DataDir, file: &Path, yes: bool, out: &Output) -> Result<Outcome> {
    let (_lock, mut store) = data.write()?;
    let report = match store.restore_from(file, yes) {
        Err(store::Error::RestoreWouldLose { unsynced })
            if !out.json && std::io::stdin().is_terminal() =>
        {
            eprintln!(
                "{}\n  {}\n{} [y/N] ",
                pick(
                    out.lang,
                    "هذه الإعلانات لم تُرسل بعد إلى السوق وستضيع:",
                    "Ces annonces ne sont pas encore envoyées à la marketplace et seraient perdues :",
                    "These listings have not been sent to the marketplace yet and would be lost:"
                ),
                unsynced.join("\n  "),
                pick(
                    out.lang,
                    "هل تريد الاسترجاع رغم ذلك؟",
                    "Restaurer quand même ?",
                    "Restore anyway?"
                ),
            );
            std::io::stderr().flush()?;
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            if !matches!(answer.trim(), "y" | "Y" | "yes" | "o" | "oui" | "نعم") {
                return Err(store::Error::RestoreWouldLose { unsynced }.into());
            }
            store.restore_from(file, true)?
        }
        other => other?,
    };
    out.print(
        || {
            format!(
                "{} {}\n{} {}",
                pick(out.lang, "تم الاسترجاع من", "restauré depuis", "restored from"),
                file.display(),
                pick(out.lang, "نسخة الأمان قبل الاسترجاع:", "sauvegarde d'avant restauration :", "safety backup taken first:"),
                report.safety_backup.display()
            )
        },
        json!({ "restored_from": file, "safety_backup": report.safety_backup, "lost": report.lost }),
    );
    Ok(Outcome::Ok)
}
