use std::sync::Arc;

use tauri::{AppHandle, Manager as _};
use tauri_specta::Event;

use crate::config::Config;
use crate::ipc::{ListingsChanged, SyncStatusChanged, SyncStatusView};
use crate::state::AppState;

/// Starts the sync engine for the life of the process (it keeps going with
/// the window hidden) and forwards its status to the window as events.
pub fn spawn(app: &AppHandle, state: &AppState, config: &Config) {
    let app_update = crate::updates::engine_config(app, &state.data_dir);
    // A package downloaded before a restart shows at once, before any pass.
    if let Some(ready) = app_update.as_ref().and_then(sync::update::ready) {
        state
            .status_tx
            .send_modify(|s| s.app_update = Some(sync::AppUpdate::Ready(ready)));
    }
    let mut engine_config = sync::Config {
        device_name: device_name(),
        app_update,
        ..sync::Config::default()
    };
    if let Some(max) = config.retry_max {
        engine_config.retry_max = max;
        engine_config.retry_min = engine_config.retry_min.min(max);
    }
    let engine = match sync::Engine::new(
        state.store.clone(),
        Arc::new(sync::SystemClock),
        engine_config,
    ) {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!(error = %e, "sync engine could not start; work stays queued");
            return;
        }
    };
    let _ = state.engine.set(engine.clone());
    let (wake, status_tx) = (state.wake.clone(), state.status_tx.clone());
    let integrity = state.integrity.clone();
    tauri::async_runtime::spawn(async move {
        // Nothing is sent from a catalog its check found damaged.
        let checked = tauri::async_runtime::spawn_blocking(move || integrity.wait()).await;
        if let Ok(Err(e)) = checked {
            tracing::error!(error = %e, "sync stays off: the catalog is damaged");
            return;
        }
        sync::run(engine, wake, status_tx, std::future::pending()).await;
    });

    let mut status = state.status_tx.subscribe();
    let app = app.clone();
    let store = state.store.clone();
    let lang = state.lang.clone();
    let mut seen: Option<crate::notify::Snapshot> = None;
    let mut last_pass = None;
    tauri::async_runtime::spawn(async move {
        // The window reloads its list on every status change (that is when
        // listings go from waiting to live). A pass whose pull changed
        // listings also says `ListingsChanged`, the event meant for changes
        // the window did not make: one extra list query, only on such passes.
        let mut pulled = 0;
        while status.changed().await.is_ok() {
            let current = status.borrow_and_update().clone();
            let _ = SyncStatusChanged(SyncStatusView::from(&current)).emit(&app);
            if current.pulled_changes > pulled {
                pulled = current.pulled_changes;
                let _ = ListingsChanged.emit(&app);
            }
            if current.last_synced_at_ms != last_pass {
                last_pass = current.last_synced_at_ms;
                seen = notify_after_pass(&app, &store, &lang, seen.take()).await;
            }
        }
    });
}

/// After a pass: reads the listings' states and, with the window hidden,
/// notifies the manager of those that went live or were refused since the
/// previous pass. Returns this pass's states.
async fn notify_after_pass(
    app: &AppHandle,
    store: &sync::SharedStore,
    lang: &Arc<std::sync::Mutex<Option<crate::ipc::UiLang>>>,
    before: Option<crate::notify::Snapshot>,
) -> Option<crate::notify::Snapshot> {
    let lang = *lang.lock().unwrap_or_else(|p| p.into_inner());
    let store = store.clone();
    let after = tauri::async_runtime::spawn_blocking(move || {
        let store = store.lock().unwrap_or_else(|p| p.into_inner());
        crate::notify::snapshot(&store, lang)
    })
    .await
    .ok()?
    .inspect_err(|e| tracing::warn!(error = %e, "listing states not read"))
    .ok()?;
    let hidden = app
        .get_webview_window("main")
        .is_none_or(|w| !w.is_visible().unwrap_or(false));
    if let Some(before) = &before
        && hidden
    {
        let outcomes = crate::notify::Outcomes::between(before, &after);
        if let Some((title, body)) = crate::notify::message(lang, &outcomes)
            && crate::notify::show(app, title, body)
        {
            tracing::info!(
                live = outcomes.live.len(),
                refused = outcomes.refused.len(),
                "notified"
            );
        }
    }
    Some(after)
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty());
    format!(
        "Hanout on {}",
        host.as_deref().unwrap_or(std::env::consts::OS)
    )
}
