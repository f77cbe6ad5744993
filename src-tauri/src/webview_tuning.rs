//! What the window's web engine may spend on a 4 GB laptop. On Linux
//! (WebKitGTK) the web process keeps page caches sized for a browser, and
//! composites the page with OpenGL (under software GL, Mesa's llvmpipe,
//! that is a large share of its memory). The window shows one local page
//! of forms and lists: caches sized for a document viewer, and painting
//! without accelerated compositing, are enough (measured with `cargo
//! xtask bench app`, README). Windows (WebView2) and macOS (WKWebView)
//! are left as they are.

/// Applies the settings to the main window's webview.
#[cfg(target_os = "linux")]
pub fn tune(window: &tauri::WebviewWindow) {
    let tuned = window.with_webview(|webview| {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt as _, WebContextExt as _,
            WebViewExt as _,
        };
        let view = webview.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = view.settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = tuned {
        tracing::warn!(error = %e, "the web engine's memory settings were not applied");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn tune(_window: &tauri::WebviewWindow) {}
