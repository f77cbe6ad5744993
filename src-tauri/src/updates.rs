//! App updates. The sync engine finds them on the marketplace, downloads
//! them resumably within the data budget and checks their signature
//! (`sync::update`); this module tells it who we are, and when the manager
//! says "restart now" hands the verified package to tauri-plugin-updater's
//! install step (which checks the signature once more), then restarts.

use std::path::Path;

use tauri::{AppHandle, State};
use tauri_plugin_updater::UpdaterExt as _;

use crate::ipc::{AppError, SystemAction};
use crate::state::AppState;

/// What the engine needs to look for updates of this copy, or `None` when
/// this build has no updater key (then there are no updates to trust).
pub fn engine_config(app: &AppHandle, data_dir: &Path) -> Option<sync::AppUpdateConfig> {
    let pubkey = app
        .config()
        .plugins
        .0
        .get("updater")?
        .get("pubkey")?
        .as_str()?
        .trim()
        .to_owned();
    if pubkey.is_empty() {
        return None;
    }
    Some(sync::AppUpdateConfig {
        target: target_os()?.to_owned(),
        arch: target_arch()?.to_owned(),
        installer: installer(),
        current_version: app.package_info().version.to_string(),
        pubkey,
        dir: data_dir.join("updates"),
        check_every: sync::AppUpdateConfig::DAILY,
    })
}

/// The plugin's names for the operating systems.
fn target_os() -> Option<&'static str> {
    match std::env::consts::OS {
        "linux" => Some("linux"),
        "windows" => Some("windows"),
        "macos" => Some("darwin"),
        _ => None,
    }
}

/// The plugin's names for the processors.
fn target_arch() -> Option<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Some("x86_64"),
        "aarch64" => Some("aarch64"),
        "x86" => Some("i686"),
        "arm" => Some("armv7"),
        _ => None,
    }
}

/// How this copy was installed, as the bundler marked it (`None` for a
/// plain build): the manifest's entry for it is taken first.
fn installer() -> Option<String> {
    use tauri::utils::config::BundleType;
    use tauri::utils::platform::bundle_type;
    let name = match bundle_type()? {
        BundleType::Deb => "deb",
        BundleType::Rpm => "rpm",
        BundleType::AppImage => "appimage",
        BundleType::Msi => "msi",
        BundleType::Nsis => "nsis",
        BundleType::App | BundleType::Dmg => "app",
    };
    Some(name.to_owned())
}

/// Installs a verified package with the plugin: `Updater::restore_update`
/// rebuilds the update from the manifest the engine kept (no request), and
/// `Update::install` checks the bytes against the signature and the
/// configured key before it replaces anything.
pub fn install_with(
    builder: tauri_plugin_updater::UpdaterBuilder,
    ready: &sync::ReadyUpdate,
) -> Result<(), tauri_plugin_updater::Error> {
    let bytes = std::fs::read(&ready.package)?;
    // The plugin wants an endpoint even to restore an update (it makes no
    // request then), and only https:// ones in release builds.
    let endpoint = "https://updates.invalid/{{target}}/{{arch}}/{{current_version}}";
    let updater = builder
        .endpoints(vec![endpoint.parse().expect("a valid URL")])?
        .build()?;
    let update = updater
        .restore_update(ready.manifest.clone())?
        .ok_or(tauri_plugin_updater::Error::ReleaseNotFound)?;
    update.install(bytes)
}

/// "Restart now": installs the downloaded update and starts the new
/// version. On Windows the installer takes over and the app leaves.
#[tauri::command]
#[specta::specta]
pub async fn install_update(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    let refused = || AppError::System {
        action: SystemAction::InstallUpdate,
    };
    let config = engine_config(&app, &state.data_dir).ok_or_else(refused)?;
    let ready = sync::update::ready(&config).ok_or_else(refused)?;
    let builder = app.updater_builder();
    tauri::async_runtime::spawn_blocking(move || install_with(builder, &ready))
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "the update could not be installed");
            refused()
        })?;
    tracing::info!("update installed; restarting");
    app.restart()
}

/// "Download it now": the update comes even on a metered link.
#[tauri::command]
#[specta::specta]
pub async fn download_update_now(state: State<'_, AppState>) -> Result<(), AppError> {
    if let Some(engine) = state.engine.get() {
        engine.update_now();
    }
    state.wake.notify_one();
    Ok(())
}
