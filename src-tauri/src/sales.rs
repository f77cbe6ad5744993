//! The stand's till in the window: a sale, stock delivered, the last sale
//! undone, the day's journal and its CSV — the same `store::sales` rules
//! as `hanout sale` / `restock` / `sales`. A sale is a stock delta that
//! syncs, so the engine is woken after each.

use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::with_store;
use crate::ipc::AppError;
use crate::state::AppState;

/// One sale of the journal.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SaleView {
    pub id: String,
    pub listing_id: String,
    pub title: String,
    pub quantity: u32,
    pub unit_price_centimes: f64,
    pub total_centimes: f64,
    pub note: Option<String>,
    pub sold_at_ms: f64,
}

impl From<&store::Sale> for SaleView {
    fn from(s: &store::Sale) -> Self {
        SaleView {
            id: s.id.to_string(),
            listing_id: s.listing_id.to_string(),
            title: s.title.clone(),
            quantity: s.quantity,
            unit_price_centimes: s.unit_price.centimes() as f64,
            total_centimes: s.total_centimes() as f64,
            note: s.note.clone(),
            sold_at_ms: s.sold_at_ms as f64,
        }
    }
}

/// What one listing sold in the period.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalLineView {
    pub listing_id: String,
    pub title: String,
    pub units: u32,
    pub total_centimes: f64,
    /// Its stock is 0 now.
    pub sold_out: bool,
}

/// A period's sales (those not undone): each, per listing, and in all.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalView {
    pub sales: Vec<SaleView>,
    pub lines: Vec<JournalLineView>,
    pub count: u32,
    pub units: u32,
    pub total_centimes: f64,
}

impl From<&store::Journal> for JournalView {
    fn from(j: &store::Journal) -> Self {
        let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        JournalView {
            sales: j.sales.iter().map(SaleView::from).collect(),
            lines: j
                .by_listing
                .iter()
                .map(|l| JournalLineView {
                    listing_id: l.listing_id.to_string(),
                    title: l.title.clone(),
                    units: n(l.units),
                    total_centimes: l.total_centimes as f64,
                    sold_out: l.sold_out,
                })
                .collect(),
            count: n(j.count as u64),
            units: n(j.units),
            total_centimes: j.total_centimes as f64,
        }
    }
}

fn now_ms() -> i64 {
    sync::Clock::now_ms(&sync::SystemClock)
}

/// Records a sale: `quantity` units at `price` as typed (the listing's
/// price when empty), with an optional buyer's note. Refused (validation,
/// field `stock`) when the stock here is smaller.
#[tauri::command]
#[specta::specta]
pub async fn record_sale(
    state: State<'_, AppState>,
    id: String,
    quantity: u32,
    price: Option<String>,
    note: Option<String>,
) -> Result<SaleView, AppError> {
    let id: store::ListingId = id.parse()?;
    let price = price
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(store::Price::parse)
        .transpose()?;
    let note = note.filter(|n| !n.trim().is_empty());
    let now = now_ms();
    let sale = with_store(&state, move |s| {
        s.record_sale(id, quantity, price, note.as_deref(), now)
    })
    .await?;
    state.wake.notify_one();
    Ok(SaleView::from(&sale))
}

/// Units delivered: added to the stock (a delta that syncs). Returns the
/// stock now.
#[tauri::command]
#[specta::specta]
pub async fn add_stock(
    state: State<'_, AppState>,
    id: String,
    quantity: u32,
) -> Result<u32, AppError> {
    let id: store::ListingId = id.parse()?;
    let now = now_ms();
    let stock = with_store(&state, move |s| s.add_stock(id, quantity, now)).await?;
    state.wake.notify_one();
    Ok(stock)
}

/// Undoes the last sale not undone yet: its units go back to the stock.
/// `None` when there is none.
#[tauri::command]
#[specta::specta]
pub async fn undo_last_sale(state: State<'_, AppState>) -> Result<Option<SaleView>, AppError> {
    let now = now_ms();
    let undone = with_store(&state, move |s| s.undo_last_sale(now)).await?;
    state.wake.notify_one();
    Ok(undone.as_ref().map(SaleView::from))
}

/// The journal of `[from_ms, to_ms)` (the window sends its local day).
#[tauri::command]
#[specta::specta]
pub async fn sales_journal(
    state: State<'_, AppState>,
    from_ms: f64,
    to_ms: f64,
) -> Result<JournalView, AppError> {
    let (from, to) = (from_ms as i64, to_ms as i64);
    let journal = with_store(&state, move |s| s.journal(from, to)).await?;
    Ok(JournalView::from(&journal))
}

/// Writes the period's sales as CSV (UTF-8 with BOM, CRLF, Excel-safe, as
/// the catalogue export) to `path`. Returns the rows written.
#[tauri::command]
#[specta::specta]
pub async fn export_sales(
    state: State<'_, AppState>,
    from_ms: f64,
    to_ms: f64,
    path: String,
) -> Result<u32, AppError> {
    let (from, to) = (from_ms as i64, to_ms as i64);
    let rows = with_store(&state, move |s| {
        let file = std::fs::File::create(&path)?;
        let mut out = std::io::BufWriter::new(file);
        let rows = s.export_sales_csv(from, to, &mut out)?;
        std::io::Write::flush(&mut out)?;
        Ok(rows)
    })
    .await?;
    Ok(u32::try_from(rows).unwrap_or(u32::MAX))
}
