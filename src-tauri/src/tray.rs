use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, WindowEvent, Wry};

use crate::ipc::UiLang;
use crate::state::AppState;

/// The tray menu's items, kept to be renamed when the window's language
/// changes.
pub struct TrayItems {
    open: MenuItem<Wry>,
    sync_now: MenuItem<Wry>,
    quit: MenuItem<Wry>,
}

/// The menu's words: open, sync now, quit. `None`: all three languages,
/// until the window says which one the manager reads.
fn labels(lang: Option<UiLang>) -> [&'static str; 3] {
    match lang {
        None => [
            "Hanout — حانوت",
            "Sync now / Synchroniser / زامن الآن",
            "Quit / Quitter / خروج",
        ],
        Some(UiLang::Ar) => ["افتح حانوت", "زامِن الآن", "خروج"],
        Some(UiLang::Fr) => ["Ouvrir Hanout", "Synchroniser maintenant", "Quitter"],
        Some(UiLang::En) => ["Open Hanout", "Sync now", "Quit"],
    }
}

/// Renames the tray menu's items in `lang` (nothing to do without a tray).
pub fn set_language(app: &AppHandle, lang: UiLang) -> tauri::Result<()> {
    let Some(items) = app.try_state::<TrayItems>() else {
        return Ok(());
    };
    let [open, sync_now, quit] = labels(Some(lang));
    items.open.set_text(open)?;
    items.sync_now.set_text(sync_now)?;
    items.quit.set_text(quit)
}

/// A tray icon so sync goes on with the window closed: open, sync now, quit.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let [open, sync_now, quit] = labels(None);
    let open = MenuItem::with_id(app, "open", open, true, None::<&str>)?;
    let sync_now = MenuItem::with_id(app, "sync", sync_now, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", quit, true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &sync_now, &quit])?;
    app.manage(TrayItems {
        open: open.clone(),
        sync_now: sync_now.clone(),
        quit: quit.clone(),
    });
    let mut tray = TrayIconBuilder::with_id("main")
        .menu(&menu)
        .tooltip("Hanout");
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| match event.id.as_ref() {
        "open" => show_main(app),
        "sync" => app.state::<AppState>().wake.notify_one(),
        "quit" => app.exit(0),
        _ => {}
    })
    .build(app)?;
    Ok(())
}

/// Closing the window hides it; the process (and sync) keeps running.
pub fn hide_on_close(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let handle = window.clone();
        window.on_window_event(move |event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = handle.hide();
            }
        });
    }
}

/// Whether sync still has something to send that it can send now (not
/// paused, not waiting for tomorrow's budget, a marketplace set). Pure.
pub(crate) fn can_still_send(status: &sync::Status) -> bool {
    (status.pending > 0 || status.photos_pending > 0)
        && !status.budget_reached
        && status.last_error != Some(sync::ErrorKind::Paused)
        && status.connection != sync::Connection::NotConfigured
}

/// Without a tray, closing the window quits — unless listings or photos
/// still wait to be sent: then the window hides, a notification says that
/// Hanout closes once they are on the marketplace, and sync goes on until
/// nothing it can send waits (launching Hanout again brings the window
/// back meanwhile).
pub fn close_when_sent(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let handle = window.clone();
    let app = app.clone();
    window.on_window_event(move |event| {
        let WindowEvent::CloseRequested { api, .. } = event else {
            return;
        };
        let state = app.state::<AppState>();
        let status = state.status_tx.borrow().clone();
        if !can_still_send(&status) {
            return;
        }
        api.prevent_close();
        let _ = handle.hide();
        let lang = *state.lang.lock().unwrap_or_else(|p| p.into_inner());
        let (title, body) =
            crate::notify::keeps_sending(lang, status.pending, status.photos_pending);
        crate::notify::show(&app, title, body);
        tracing::info!(
            listings = status.pending,
            photos = status.photos_pending,
            "window closed with work waiting; quitting once it is sent"
        );
        state.wake.notify_one();
        let mut updates = state.status_tx.subscribe();
        let app = app.clone();
        let window = handle.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                let status = updates.borrow_and_update().clone();
                if !can_still_send(&status) && !window.is_visible().unwrap_or(false) {
                    tracing::info!("nothing left to send; quitting");
                    app.exit(0);
                    return;
                }
                if updates.changed().await.is_err() {
                    return;
                }
            }
        });
    });
}

pub(crate) fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_tray_closing_waits_only_for_what_can_be_sent() {
        let waiting = sync::Status {
            pending: 2,
            photos_pending: 3,
            connection: sync::Connection::Offline,
            ..sync::Status::default()
        };
        assert!(can_still_send(&waiting), "offline: retried until sent");
        assert!(!can_still_send(&sync::Status::default()), "nothing waits");
        let photos_only = sync::Status {
            photos_pending: 1,
            connection: sync::Connection::Online,
            ..sync::Status::default()
        };
        assert!(can_still_send(&photos_only));
        for blocked in [
            sync::Status {
                budget_reached: true,
                ..waiting.clone()
            },
            sync::Status {
                last_error: Some(sync::ErrorKind::Paused),
                ..waiting.clone()
            },
            sync::Status {
                connection: sync::Connection::NotConfigured,
                ..waiting.clone()
            },
        ] {
            assert!(
                !can_still_send(&blocked),
                "{blocked:?} cannot finish now: quit"
            );
        }
    }

    #[test]
    fn the_tray_speaks_each_language_and_all_three_before_it_knows() {
        let all: Vec<[&str; 3]> = [None, Some(UiLang::Ar), Some(UiLang::Fr), Some(UiLang::En)]
            .into_iter()
            .map(labels)
            .collect();
        for words in &all {
            assert!(words.iter().all(|w| !w.trim().is_empty()));
        }
        for i in 0..3 {
            let distinct: std::collections::HashSet<_> = all.iter().map(|w| w[i]).collect();
            assert_eq!(distinct.len(), 4, "item {i} differs per language");
        }
        assert!(
            labels(Some(UiLang::Ar))
                .iter()
                .all(|w| w.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)))
        );
        assert!(labels(None)[2].contains("Quit") && labels(None)[2].contains("خروج"));
    }
}
