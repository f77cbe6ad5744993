//! Thin commands: take state, convert the DTO, call one library function
//! off the async runtime, map the error.

use std::path::PathBuf;

use tauri::State;
use tauri::ipc::Channel;

use crate::ipc::{
    AppError, ConnectInput, ConnectionView, ErrorField, ErrorReason, ListingDetails, ListingPage,
    ListingQuery, ListingView, LostEdits, NewListingInput, PhotoFailure, PhotoImportReport,
    PhotoProgress, RecoveryNotice, RemovalView, SyncSettingsInput, SyncSettingsView,
    SyncStatusView, SystemAction, UiLang,
};
use crate::photo_imports::PhotoImports;
use crate::state::AppState;
use crate::{editor, listing_page, sync_settings};

/// Runs `f` on the store on a blocking thread.
pub(crate) async fn with_store<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut store::Store) -> store::Result<T> + Send + 'static,
{
    let store = state.checked_store().await?;
    tauri::async_runtime::spawn_blocking(move || {
        let asked = std::time::Instant::now();
        let mut guard = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let got = asked.elapsed();
        let out = f(&mut guard);
        store::log_slow_use(std::any::type_name::<F>(), got, asked.elapsed() - got);
        out
    })
    .await?
    .map_err(AppError::from)
}

/// One page of the list: listings matching the words typed (any
/// language, Arabic normalisation, prefix matching), the status and the
/// sync state asked for, newest change first.
#[tauri::command]
#[specta::specta]
pub async fn list_listings(
    state: State<'_, AppState>,
    query: ListingQuery,
) -> Result<ListingPage, AppError> {
    with_store(&state, move |s| listing_page::listing_page(s, &query)).await
}

/// These listings as they are now (after a sync pass, for the rows that
/// were waiting); deleted ones are left out.
#[tauri::command]
#[specta::specta]
pub async fn listings_by_id(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<Vec<ListingView>, AppError> {
    let ids = ids
        .iter()
        .map(|id| id.parse())
        .collect::<store::Result<Vec<store::ListingId>>>()?;
    with_store(&state, move |s| listing_page::listings_by_id(s, &ids)).await
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
    let view = with_store(&state, move |s| {
        let listing = s.create_listing(new, now)?;
        ListingView::in_store(s, &listing)
    })
    .await?;
    local_change(&state);
    Ok(view)
}

/// Every field of one listing, for the editor.
#[tauri::command]
#[specta::specta]
pub async fn listing_details(
    state: State<'_, AppState>,
    id: String,
) -> Result<ListingDetails, AppError> {
    let id: store::ListingId = id.parse()?;
    with_store(&state, move |s| editor::details(s, id)).await
}

/// Saves what the manager changed in the editor (`loaded` is what it
/// showed, `typed` what it holds now) onto the listing as it is now, so
/// what a pull brought meanwhile stays; a field changed on both sides is
/// `EditedMeanwhile`, with the current values.
#[tauri::command]
#[specta::specta]
pub async fn update_listing(
    state: State<'_, AppState>,
    id: String,
    loaded: ListingDetails,
    typed: ListingDetails,
) -> Result<ListingView, AppError> {
    let id: store::ListingId = id.parse()?;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    let store = state.checked_store().await?;
    let listing = tauri::async_runtime::spawn_blocking(move || {
        let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
        let listing = editor::save(&mut s, id, &loaded, &typed, now)?;
        ListingView::in_store(&s, &listing).map_err(AppError::from)
    })
    .await??;
    local_change(&state);
    Ok(listing)
}

/// The fields where this laptop's edit of listing `id` lost to another
/// laptop's later one, with both values (`None`: none).
#[tauri::command]
#[specta::specta]
pub async fn lost_edits(
    state: State<'_, AppState>,
    id: String,
) -> Result<Option<LostEdits>, AppError> {
    let id: store::ListingId = id.parse()?;
    with_store(&state, move |s| editor::lost_edits(s, id)).await
}

/// Takes this laptop's value of `field` back (`take_back`), sent at the
/// next sync, or keeps the other laptop's.
#[tauri::command]
#[specta::specta]
pub async fn settle_lost_edit(
    state: State<'_, AppState>,
    id: String,
    field: ErrorField,
    take_back: bool,
) -> Result<(), AppError> {
    let id: store::ListingId = id.parse()?;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    with_store(&state, move |s| {
        editor::settle(s, id, field, take_back, now)
    })
    .await?;
    if take_back {
        local_change(&state);
    }
    Ok(())
}

/// What removing this listing would do: delete it for good (it never
/// reached the marketplace) or archive it. For the confirmation question.
#[tauri::command]
#[specta::specta]
pub async fn removal_preview(
    state: State<'_, AppState>,
    id: String,
) -> Result<RemovalView, AppError> {
    let id: store::ListingId = id.parse()?;
    with_store(&state, move |s| {
        let listing = s
            .listing(id)?
            .ok_or_else(|| store::Error::NotFound(id.to_string()))?;
        // FIXME: the store's rule, repeated; ask store for `removal_for(id)`.
        Ok(if listing.server_version.is_some() || s.ever_sent(id)? {
            RemovalView::Archived
        } else {
            RemovalView::Deleted
        })
    })
    .await
}

/// Removes a listing once the manager confirmed: deleted for good if it
/// never reached the marketplace, else archived (taken off sale at the
/// next sync, kept here).
#[tauri::command]
#[specta::specta]
pub async fn remove_listing(
    state: State<'_, AppState>,
    id: String,
) -> Result<RemovalView, AppError> {
    let id: store::ListingId = id.parse()?;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    let removal = with_store(&state, move |s| s.remove_listing(id, now)).await?;
    if removal == store::Removal::Archived {
        local_change(&state);
    }
    Ok(removal.into())
}

/// A local change was saved: count it and wake the sync engine.
fn local_change(state: &AppState) {
    state.status_tx.send_modify(|s| s.pending += 1);
    state.wake.notify_one();
}

/// The cooperative's artisans' names, for the editor's suggestions.
#[tauri::command]
#[specta::specta]
pub async fn artisan_names(state: State<'_, AppState>) -> Result<Vec<String>, AppError> {
    with_store(&state, |s| {
        Ok(s.artisans()?.into_iter().map(|a| a.name).collect())
    })
    .await
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

/// Opens a listing's public page on the marketplace in the browser, in the
/// window's language.
#[tauri::command]
#[specta::specta]
pub async fn open_public_page(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: String,
    lang: UiLang,
) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt as _;
    let id: store::ListingId = id.parse()?;
    let base = with_store(&state, |s| s.setting(store::SettingKey::MarketUrl)).await?;
    let base = base
        .and_then(|u| url::Url::parse(&u).ok())
        .ok_or(AppError::NotFound { id: id.to_string() })?;
    let lang = match lang {
        UiLang::Ar => "ar",
        UiLang::Fr => "fr",
        UiLang::En => "en",
    };
    let page = sync::public_page_url(&base, id.uuid(), lang);
    app.opener()
        .open_url(page.as_str(), None::<&str>)
        .map_err(|e| {
            tracing::warn!(error = %e, %page, "the browser did not open");
            AppError::System {
                action: SystemAction::OpenPage,
            }
        })
}

/// Opens the folder of the log files (Help → "Open log folder").
#[tauri::command]
#[specta::specta]
pub async fn open_log_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<(), AppError> {
    use tauri_plugin_opener::OpenerExt as _;
    let logs = state.data_dir.join("logs");
    let _ = std::fs::create_dir_all(&logs);
    app.opener()
        .open_path(logs.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            tracing::warn!(error = %e, logs = %logs.display(), "the log folder did not open");
            AppError::System {
                action: SystemAction::OpenFolder,
            }
        })
}

/// "Send photos now": display-size photos go even on a metered link, until
/// all that wait are sent.
#[tauri::command]
#[specta::specta]
pub async fn send_photos_now(state: State<'_, AppState>) -> Result<(), AppError> {
    if let Some(engine) = state.engine.get() {
        engine.send_photos_now();
    }
    state.wake.notify_one();
    Ok(())
}

/// Pause, metered link, daily data limit, and what sync used today.
#[tauri::command]
#[specta::specta]
pub async fn sync_settings(state: State<'_, AppState>) -> Result<SyncSettingsView, AppError> {
    let now = sync::Clock::now_ms(&sync::SystemClock);
    with_store(&state, move |s| sync_settings::read(s, now)).await
}

/// Saves the sync settings; the engine is woken so a pause or a resume
/// shows at once.
#[tauri::command]
#[specta::specta]
pub async fn set_sync_settings(
    state: State<'_, AppState>,
    input: SyncSettingsInput,
) -> Result<SyncSettingsView, AppError> {
    let prefs = sync_settings::prefs(&input)?;
    let now = sync::Clock::now_ms(&sync::SystemClock);
    let view = with_store(&state, move |s| {
        s.set_sync_prefs(&prefs)?;
        sync_settings::read(s, now)
    })
    .await?;
    tracing::info!(paused = view.paused, metered = ?view.metered, budget_mb = ?view.daily_budget_mb, "sync settings");
    state.wake.notify_one();
    Ok(view)
}

/// Names the tray menu's items in the window's language (notifications
/// speak it too).
#[tauri::command]
#[specta::specta]
pub async fn set_tray_language(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    lang: UiLang,
) -> Result<(), AppError> {
    *state.lang.lock().unwrap_or_else(|p| p.into_inner()) = Some(lang);
    crate::tray::set_language(&app, lang).map_err(|e| {
        tracing::warn!(error = %e, "tray menu not renamed");
        AppError::Internal
    })
}

/// Whether Hanout starts (in the background) when the user logs in.
#[tauri::command]
#[specta::specta]
pub async fn autostart(app: tauri::AppHandle) -> Result<bool, AppError> {
    use tauri_plugin_autostart::ManagerExt as _;
    app.autolaunch().is_enabled().map_err(system_error)
}

/// Turns starting at login on or off; returns the new setting.
#[tauri::command]
#[specta::specta]
pub async fn set_autostart(app: tauri::AppHandle, enabled: bool) -> Result<bool, AppError> {
    use tauri_plugin_autostart::ManagerExt as _;
    let launcher = app.autolaunch();
    if enabled {
        launcher.enable().map_err(system_error)?;
    } else {
        launcher.disable().map_err(system_error)?;
    }
    tracing::info!(enabled, "start at login");
    launcher.is_enabled().map_err(system_error)
}

fn system_error(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "start at login");
    AppError::System {
        action: SystemAction::StartAtLogin,
    }
}

/// Which marketplace this laptop syncs with, and whether it is enrolled.
#[tauri::command]
#[specta::specta]
pub async fn connection(state: State<'_, AppState>) -> Result<ConnectionView, AppError> {
    with_store(&state, read_connection).await
}

/// Connects this laptop to a marketplace with a one-time code from its
/// operators; the code is exchanged for a device token at the next sync,
/// which starts at once. Once enrolled, the marketplace cannot change
/// (listings live there); a new code re-enrolls with the same one.
#[tauri::command]
#[specta::specta]
pub async fn connect(
    state: State<'_, AppState>,
    input: ConnectInput,
) -> Result<ConnectionView, AppError> {
    let invalid = |field, reason| AppError::Validation { field, reason };
    let url = market_url(&input.market_url).map_err(|e| {
        let reason = match e {
            sync::MarketUrlError::Invalid => ErrorReason::Invalid,
            sync::MarketUrlError::Insecure => ErrorReason::Insecure,
        };
        invalid(ErrorField::MarketUrl, reason)
    })?;
    let code = input.enroll_code.trim().to_owned();
    if code.is_empty() {
        return Err(invalid(ErrorField::EnrollCode, ErrorReason::Required));
    }
    if code.chars().count() > 32 {
        return Err(invalid(ErrorField::EnrollCode, ErrorReason::TooLong));
    }
    let current = with_store(&state, read_connection).await?;
    if current.enrolled && current.market_url.as_deref() != Some(url.as_str()) {
        return Err(invalid(ErrorField::MarketUrl, ErrorReason::Locked));
    }
    let view = with_store(&state, move |s| {
        use store::SettingKey;
        s.set_setting(SettingKey::MarketUrl, Some(&url))?;
        // A new code means: enroll (again) with it.
        s.set_setting(SettingKey::DeviceToken, None)?;
        s.set_setting(SettingKey::EnrollCode, Some(&code))?;
        read_connection(s)
    })
    .await?;
    tracing::info!(market_url = ?view.market_url, "marketplace set; enrolling at the next sync");
    state.wake.notify_one();
    Ok(view)
}

fn read_connection(s: &mut store::Store) -> store::Result<ConnectionView> {
    use store::SettingKey;
    Ok(ConnectionView {
        market_url: s.setting(SettingKey::MarketUrl)?,
        enrolled: s.setting(SettingKey::DeviceToken)?.is_some(),
        cooperative: s.setting(SettingKey::CooperativeName)?,
        code_waiting: s.setting(SettingKey::EnrollCode)?.is_some(),
    })
}

/// `text` as a marketplace address: `http(s)://host[:port][/path]`, without
/// a trailing slash. A bare host gets `https://`.
/// The address as the manager typed it, checked by the sync engine's rule
/// (`https://`, or plain `http://` only on this computer or a private LAN).
fn market_url(text: &str) -> Result<String, sync::MarketUrlError> {
    let url = sync::parse_market_url(text)?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether the catalog had to be restored from a backup when the app started.
#[tauri::command]
#[specta::specta]
pub async fn startup_notice(
    state: State<'_, AppState>,
) -> Result<Option<RecoveryNotice>, AppError> {
    Ok(state.recovery.as_ref().map(RecoveryNotice::from))
}

/// Runs the photo pipeline on `paths` (two workers: kind to a 4 GB laptop),
/// reporting progress on `on_progress`, and attaches the good photos to the
/// listing. A bad file is reported, never fatal.
#[tauri::command]
#[specta::specta]
pub async fn import_photos(
    state: State<'_, AppState>,
    listing_id: String,
    paths: Vec<String>,
    on_progress: Channel<PhotoProgress>,
) -> Result<PhotoImportReport, AppError> {
    let id: store::ListingId = listing_id.parse()?;
    let data_dir = state.data_dir.clone();
    let import = PhotoImports::begin(&state.photo_imports, &listing_id);
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let results = tauri::async_runtime::spawn_blocking(move || {
        let progress = |p: photos::Progress| {
            let _ = on_progress.send(PhotoProgress {
                done: p.done as u32,
                total: p.total as u32,
                current: file_name(&p.current),
            });
        };
        photos::import_many(
            paths,
            &data_dir,
            &photos::Limits::default(),
            2,
            progress,
            &import.cancel,
        )
    })
    .await?;

    let now = sync::Clock::now_ms(&sync::SystemClock);
    let failed: Vec<PhotoFailure> = results
        .iter()
        .filter_map(|(path, r)| {
            r.as_ref().err().map(|e| PhotoFailure {
                file: file_name(path),
                kind: e.kind().to_owned(),
            })
        })
        .collect();
    let imported: Vec<(String, store::PhotoRecord)> = results
        .into_iter()
        .filter_map(|(path, r)| r.ok().map(|i| (file_name(&path), i)))
        .map(|(name, i)| {
            let record = store::PhotoRecord {
                display_sha256: i.display.sha256.clone(),
                thumb_sha256: i.thumb.sha256,
                width: i.display.width,
                height: i.display.height,
                source_name: Some(name.clone()),
            };
            (name, record)
        })
        .collect();
    let count = imported.len() as u32;
    let listing = with_store(&state, move |s| {
        for (_, record) in &imported {
            s.record_photo(record, now)?;
        }
        let hashes: Vec<String> = imported
            .iter()
            .map(|(_, r)| r.display_sha256.clone())
            .collect();
        let listing = if hashes.is_empty() {
            // Nothing to attach: no change to sync.
            s.listing(id)?
                .ok_or_else(|| store::Error::NotFound(id.to_string()))?
        } else {
            s.attach_photos(id, &hashes, now)?
        };
        ListingView::in_store(s, &listing)
    })
    .await?;
    state.wake.notify_one();
    Ok(PhotoImportReport {
        imported: count,
        failed,
        listing,
    })
}

/// Stops the import running for this listing (others go on): photos
/// already started finish, the rest are skipped.
#[tauri::command]
#[specta::specta]
pub async fn cancel_photo_import(
    state: State<'_, AppState>,
    listing_id: String,
) -> Result<(), AppError> {
    state.photo_imports.cancel(&listing_id);
    Ok(())
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::market_url;
    use sync::MarketUrlError;

    #[test]
    fn marketplace_addresses_are_read_as_users_type_them() {
        assert_eq!(
            market_url(" souk.example.ma ").as_deref(),
            Ok("https://souk.example.ma")
        );
        assert_eq!(
            market_url("http://127.0.0.1:7878/").as_deref(),
            Ok("http://127.0.0.1:7878")
        );
        assert_eq!(
            market_url("https://example.org/hanout/").as_deref(),
            Ok("https://example.org/hanout")
        );
        assert_eq!(
            market_url("http://souk.example.ma"),
            Err(MarketUrlError::Insecure)
        );
        for bad in [
            "",
            "ftp://example.org",
            "http://",
            "https://a.b/?x=1",
            "not a url",
        ] {
            assert_eq!(market_url(bad), Err(MarketUrlError::Invalid), "{bad:?}");
        }
    }
}
