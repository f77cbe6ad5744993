//! The desktop shell: thin Tauri commands over `store`, the background sync
//! task, the tray. No SQL and no business rule lives here.

mod bindings;
mod catalog_files;
mod commands;
mod config;
mod editor;
mod first_paint;
mod instance;
pub mod ipc;
pub mod listing_page;
mod listing_photos;
mod logging;
mod notify;
mod photo_imports;
mod print;
mod sales;
mod stand;
mod state;
mod sync_settings;
mod sync_task;
mod tray;
pub mod updates;
mod webview_tuning;

pub use bindings::{BINDINGS_PATH, export_bindings, specta_builder};
pub use first_paint::mark_main_started;

use tauri::Manager;

/// The argument the login item starts the app with.
const BACKGROUND_ARG: &str = "--background";

pub fn run() {
    let builder = specta_builder();
    let invoke_handler = builder.invoke_handler();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        // Installs what the sync engine downloaded and verified (`updates.rs`).
        .plugin(tauri_plugin_updater::Builder::new().build())
        // Started at login with `--background`: sync runs, the window stays
        // in the tray until asked for.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![BACKGROUND_ARG]),
        ))
        .invoke_handler(invoke_handler)
        .setup(move |app| {
            builder.mount_events(app);
            if let Some(window) = app.get_webview_window("main") {
                webview_tuning::tune(&window);
            }
            let config = config::Config::from_env(app.handle())?;
            app.manage(first_paint::FirstPaint::new(config.bench_ready_file.clone()));
            let _log_guard = logging::init(&config.data_dir);
            app.manage(_log_guard);
            // Already running (in the tray, or started hidden at login):
            // bring that window forward and leave, without a word.
            if instance::knock(&config.data_dir) {
                tracing::info!("Hanout is already running on this catalog; its window was shown");
                std::process::exit(0);
            }
            let state = state::AppState::open(&config)?;
            let handle = app.handle().clone();
            if let Err(e) = instance::listen(&config.data_dir, move || tray::show_main(&handle)) {
                tracing::warn!(error = %e, "a second launch will not find this one");
            }
            sync_task::spawn(app.handle(), &state, &config);
            app.manage(state);
            let has_tray = tray::build(app.handle())
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "no system tray; closing the window quits once nothing waits")
                })
                .is_ok();
            if !has_tray {
                tray::close_when_sent(app.handle());
            }
            if has_tray {
                tray::hide_on_close(app.handle());
                if std::env::args().any(|arg| arg == BACKGROUND_ARG)
                    && let Some(window) = app.get_webview_window("main")
                {
                    window.hide()?;
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "Hanout stopped with an error");
        std::process::exit(1);
    }
}
