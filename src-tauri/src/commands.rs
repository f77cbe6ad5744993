//! Thin commands: take state, convert the DTO, call one library function
//! off the async runtime, map the error.

use tauri::State;

use crate::ipc::{AppError, ListingView, NewListingInput, RecoveryNotice, SyncStatusView};
use crate::state::AppState;

/// Runs `f` on the store on a blocking thread.
async fn with_store<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut store::Store) -> store::Result<T> + Send + 'static,
{
    let store = state.store.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let mut guard = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    })
    .await?
    .map_err(AppError::from)
}

#[tauri::command]
#[specta::specta]
/// Every listing, or those matching `query` (any language, Arabic
/// normalisation, prefix matching as the user types).
pub async fn list_listings(
    state: State<'_, AppState>,
    query: Option<String>,
) -> Result<Vec<ListingView>, AppError> {
    let query = query.filter(|q| !q.trim().is_empty());
    let listings = with_store(&state, move |s| match query {
        Some(text) => s.search(&store::SearchQuery {
            text: Some(text),
            limit: 500,
            ..Default::default()
        }),
        None => s.listings(),
    })
    .await?;
    Ok(listings.iter().map(ListingView::from).collect())
}

/// Saves at once, locally; the sync engine is woken to send it.
#[tauri::command]
#[specta::specta]
pub async fn create_listing(
    state: State<'_, AppState>,
    input: NewListingInput,
) -> Result<ListingView, AppError> {
    let titles = store::Titles::from_single(&input.title);
    let price = store::Price::parse(&input.price)?;
    let new = store::NewListing::new(titles, price)?;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    let listing = with_store(&state, move |s| s.create_listing(new, now)).await?;
    state.status_tx.send_modify(|s| s.pending += 1);
    state.wake.notify_one();
    Ok(ListingView::from(&listing))
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatusView, AppError> {
    Ok(SyncStatusView::from(&*state.status_tx.borrow()))
}

#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), AppError> {
    state.wake.notify_one();
    Ok(())
}

/// Whether the catalog had to be restored from a backup when the app started.
#[tauri::command]
#[specta::specta]
pub async fn startup_notice(
    state: State<'_, AppState>,
) -> Result<Option<RecoveryNotice>, AppError> {
    Ok(state.recovery.as_ref().map(RecoveryNotice::from))
}
