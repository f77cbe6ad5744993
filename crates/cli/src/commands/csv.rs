use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;

use super::{DataDir, now_ms};
use crate::messages::{self, pick};
use crate::output::{Outcome, Output};

/// Validates every row first; imports the valid ones unless `dry_run`.
pub fn import(data: &DataDir, file: &Path, dry_run: bool, out: &Output) -> Result<Outcome> {
    let bytes = std::fs::read(file).with_context(|| format!("read {}", file.display()))?;
    let plan = store::plan_import(&bytes)?;
    let imported = if dry_run {
        0
    } else {
        let (_lock, mut store) = data.write()?;
        store.apply_import(&plan, now_ms())?
    };
    let errors: Vec<_> = plan
        .errors
        .iter()
        .map(|e| {
            json!({ "row": e.row, "column": e.column, "reason": e.reason.as_str(),
                    "message": messages::reason(out.lang, e.reason) })
        })
        .collect();
    out.print(
        || {
            let mut lines = vec![format!(
                "{}: {}  ({}, «{}»)",
                pick(out.lang, "صفوف صالحة", "lignes valides", "valid rows"),
                plan.valid.len(),
                plan.encoding,
                plan.separator
            )];
            for e in &plan.errors {
                lines.push(format!(
                    "  {} {}, {} {}: {}",
                    pick(out.lang, "الصف", "ligne", "row"),
                    e.row,
                    pick(out.lang, "العمود", "colonne", "column"),
                    e.column,
                    messages::reason(out.lang, e.reason)
                ));
            }
            lines.push(if dry_run {
                pick(
                    out.lang,
                    "لم يُستورد شيء (‎--dry-run‎)",
                    "rien n'a été importé (--dry-run)",
                    "nothing imported (--dry-run)",
                )
                .to_owned()
            } else {
                format!(
                    "{}: {imported}",
                    pick(out.lang, "تم الاستيراد", "importées", "imported")
                )
            });
            lines.join("\n")
        },
        json!({
            "valid": plan.valid.len(),
            "imported": imported,
            "dry_run": dry_run,
            "encoding": plan.encoding,
            "separator": plan.separator.to_string(),
            "errors": errors,
        }),
    );
    Ok(if plan.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeFailed
    })
}

pub fn export(data: &DataDir, file: &Path, out: &Output) -> Result<Outcome> {
    let store = data.read()?;
    let mut buffer = Vec::new();
    let count = store.export_csv(&mut buffer)?;
    std::fs::write(file, buffer).with_context(|| format!("write {}", file.display()))?;
    out.print(
        || {
            format!(
                "{}: {count} → {}",
                pick(out.lang, "تم التصدير", "exportées", "exported"),
                file.display()
            )
        },
        json!({ "exported": count, "file": file }),
    );
    Ok(Outcome::Ok)
}
