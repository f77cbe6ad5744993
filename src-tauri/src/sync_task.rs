use std::sync::Arc;

use tauri::AppHandle;
use tauri_specta::Event;

use crate::config::Config;
use crate::ipc::{ListingsChanged, SyncStatusChanged, SyncStatusView};
use crate::state::AppState;

/// Starts the sync engine for the life of the process (it keeps going with
/// the window hidden) and forwards its status to the window as events.
pub fn spawn(app: &AppHandle, state: &AppState, config: &Config) {
    let mut engine_config = sync::Config {
        device_name: device_name(),
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
    tauri::async_runtime::spawn(sync::run(
        engine,
        state.wake.clone(),
        state.status_tx.clone(),
        std::future::pending(),
    ));

    let mut status = state.status_tx.subscribe();
    let app = app.clone();
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
        }
    });
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty());
    format!(
        "Hanout on {}",
        host.as_deref().unwrap_or(std::env::consts::OS)
    )
}
