//! The catalog's files in the window, as `hanout import csv` / `export
//! csv` / `backup` / `restore` do them: a CSV import is planned first (its
//! row errors shown as a table, nothing written) and applied on the
//! manager's word; an export and a backup go where the manager chooses; a
//! restore that would overwrite listings not yet sent says which, and
//! needs a second word. Secrets never travel in these files (the store
//! keeps them beside the catalog, `store::secrets`).

use serde::Serialize;
use specta::Type;
use tauri::State;
use tauri_specta::Event as _;

use crate::commands::with_store;
use crate::ipc::{AppError, ListingsChanged};
use crate::state::AppState;

/// One row of a CSV file that will not be imported, and why.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RowErrorView {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: u32,
    /// The column's header.
    pub column: String,
    /// `required`, `too_long`, `not_a_number`, … (as validation errors).
    pub reason: String,
}

/// What importing a CSV file would do; nothing is written yet.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportPlanView {
    /// Rows that will be imported.
    pub valid: u32,
    pub errors: Vec<RowErrorView>,
    /// `utf-8` or `windows-1256` (Excel's Arabic Windows files).
    pub encoding: String,
}

fn read_csv(path: &str) -> store::Result<store::ImportPlan> {
    let bytes = std::fs::read(path)?;
    store::plan_import(&bytes)
}

/// Reads the CSV file at `path` and says which rows would be imported and
/// which not (row, column, reason). Writes nothing.
#[tauri::command]
#[specta::specta]
pub async fn plan_csv_import(path: String) -> Result<ImportPlanView, AppError> {
    let plan = tauri::async_runtime::spawn_blocking(move || read_csv(&path)).await??;
    Ok(ImportPlanView {
        valid: u32::try_from(plan.valid.len()).unwrap_or(u32::MAX),
        errors: plan
            .errors
            .iter()
            .map(|e| RowErrorView {
                row: u32::try_from(e.row).unwrap_or(u32::MAX),
                column: e.column.clone(),
                reason: e.reason.as_str().to_owned(),
            })
            .collect(),
        encoding: plan.encoding.to_owned(),
    })
}

/// Imports the valid rows of the CSV file at `path` (read again: what is
/// imported is the file as it is now). Returns how many listings.
#[tauri::command]
#[specta::specta]
pub async fn apply_csv_import(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<u32, AppError> {
    let plan = tauri::async_runtime::spawn_blocking(move || read_csv(&path)).await??;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    let imported = with_store(&state, move |s| s.apply_import(&plan, now)).await?;
    state.wake.notify_one();
    // Every view of the catalog reads it again (an open editor, the list).
    let _ = ListingsChanged.emit(&app);
    Ok(u32::try_from(imported).unwrap_or(u32::MAX))
}

/// Writes the catalog as CSV (UTF-8 with BOM, CRLF: opens in Excel) to
/// `path`. Returns the rows written.
#[tauri::command]
#[specta::specta]
pub async fn export_catalog_csv(state: State<'_, AppState>, path: String) -> Result<u32, AppError> {
    let rows = with_store(&state, move |s| {
        let tmp = format!("{path}.part");
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::new(file);
        let rows = s.export_csv(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(rows)
    })
    .await?;
    Ok(u32::try_from(rows).unwrap_or(u32::MAX))
}

/// Copies the whole catalog to `path` (consistent while the app runs).
#[tauri::command]
#[specta::specta]
pub async fn backup_catalog(state: State<'_, AppState>, path: String) -> Result<(), AppError> {
    with_store(&state, move |s| s.backup_to(std::path::Path::new(&path))).await
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreView {
    /// Titles of the listings not yet sent that the restore overwrote.
    pub lost: Vec<String>,
    /// Where the catalog as it was just before is kept.
    pub safety_backup: String,
}

/// Replaces the catalog with the backup at `path`. Without `confirm`,
/// refuses (`AppError::RestoreWouldLose`, with their titles) if listings
/// not yet sent to the marketplace would be overwritten. The catalog as it
/// was is backed up first either way.
#[tauri::command]
#[specta::specta]
pub async fn restore_catalog(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
    confirm: bool,
) -> Result<RestoreView, AppError> {
    let report = with_store(&state, move |s| {
        s.restore_from(std::path::Path::new(&path), confirm)
    })
    .await?;
    state.wake.notify_one();
    let _ = ListingsChanged.emit(&app);
    Ok(RestoreView {
        lost: report.lost,
        safety_backup: report.safety_backup.display().to_string(),
    })
}
