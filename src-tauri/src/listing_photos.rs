//! A listing's photos in the editor: each as a thumbnail with its size and
//! file name, and their order set by hand (drag, keyboard, "make cover",
//! "remove"). Imports themselves are `commands::import_photos`.

use base64::Engine as _;
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::with_store;
use crate::ipc::{AppError, ListingView};
use crate::state::AppState;

/// One photo of a listing, in its order (the first is the cover).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PhotoView {
    /// The display JPEG's SHA-256: the photo's name in `arrange_photos`.
    pub sha256: String,
    /// The thumbnail as a `data:` URL; `None` while it is not on this
    /// laptop yet (a photo another laptop added, still downloading).
    pub thumb: Option<String>,
    pub width: u32,
    pub height: u32,
    /// The file it was imported from, when this laptop imported it.
    pub source_name: Option<String>,
}

/// The photos of listing `id`, cover first.
#[tauri::command]
#[specta::specta]
pub async fn listing_photos(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<PhotoView>, AppError> {
    let id: store::ListingId = id.parse()?;
    let records = with_store(&state, move |s| {
        let listing = s
            .listing(id)?
            .filter(|l| !l.deleted)
            .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
        listing
            .photos
            .iter()
            .map(|sha| Ok((sha.clone(), s.photo(sha)?)))
            .collect::<store::Result<Vec<_>>>()
    })
    .await?;
    let data_dir = state.data_dir.clone();
    let views = tauri::async_runtime::spawn_blocking(move || {
        records
            .into_iter()
            .map(|(sha, record)| {
                let thumb = record.as_ref().and_then(|r| {
                    std::fs::read(photos::photo_path(&data_dir, &r.thumb_sha256))
                        .ok()
                        .map(|jpeg| {
                            format!(
                                "data:image/jpeg;base64,{}",
                                base64::engine::general_purpose::STANDARD.encode(jpeg)
                            )
                        })
                });
                PhotoView {
                    sha256: sha,
                    thumb,
                    width: record.as_ref().map_or(0, |r| r.width),
                    height: record.as_ref().map_or(0, |r| r.height),
                    source_name: record.and_then(|r| r.source_name),
                }
            })
            .collect::<Vec<_>>()
    })
    .await?;
    Ok(views)
}

/// Puts listing `id`'s photos in `order` (display hashes, cover first;
/// those left out are taken off the listing). The change syncs.
#[tauri::command]
#[specta::specta]
pub async fn arrange_photos(
    state: State<'_, AppState>,
    id: String,
    order: Vec<String>,
) -> Result<ListingView, AppError> {
    let id: store::ListingId = id.parse()?;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    let view = with_store(&state, move |s| {
        let listing = s.arrange_photos(id, &order, now)?;
        ListingView::in_store(s, &listing)
    })
    .await?;
    state.wake.notify_one();
    Ok(view)
}
