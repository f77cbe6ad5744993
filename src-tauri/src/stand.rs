//! The cooperative's other laptop, in the window, as `hanout peer share` /
//! `peer find` / `peer sync` and `hanout bundle export` / `import` do it
//! (issue 15, "two laptops, no internet"): this laptop shares on the
//! stand's network (address, QR code, pairing code, what each exchange
//! did, as events), or joins the other one's share, or writes and takes a
//! bundle on a USB stick. The `peer` crate does all of it; what is taken
//! in is a change like a pull's, so the window reloads and the engine is
//! woken to send it on once the marketplace is back.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event as _;
use tokio::sync::broadcast::error::RecvError;

use crate::ipc::{AppError, ListingsChanged};
use crate::state::AppState;

/// How long "Find" listens for laptops sharing.
const FIND_FOR: Duration = Duration::from_secs(3);

/// What went into a bundle (a file, or this laptop's half of an exchange).
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BundleMadeView {
    pub listings: u32,
    pub changes: u32,
    pub sales: u32,
    pub photos: u32,
    pub bytes: f64,
}

/// What taking a bundle in did here.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BundleTakenView {
    /// The other laptop's name, as it calls itself.
    pub from: String,
    pub new_listings: u32,
    pub updated_listings: u32,
    /// Changes not seen before (0 for a bundle taken twice).
    pub changes: u32,
    pub sales: u32,
    pub photos: u32,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<&store::BundleMade> for BundleMadeView {
    fn from(m: &store::BundleMade) -> Self {
        BundleMadeView {
            listings: count(m.listings),
            changes: count(m.changes),
            sales: count(m.sales),
            photos: count(m.photos),
            bytes: m.bytes as f64,
        }
    }
}

impl From<&store::BundleTaken> for BundleTakenView {
    fn from(t: &store::BundleTaken) -> Self {
        BundleTakenView {
            from: t.from.clone(),
            new_listings: count(t.new_listings),
            updated_listings: count(t.updated_listings),
            changes: count(t.changes),
            sales: count(t.sales),
            photos: count(t.photos),
        }
    }
}

/// This laptop sharing: where the other one reaches it, and the code.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ShareView {
    /// `ip:port`, the local network's first, `127.0.0.1` last.
    pub addresses: Vec<String>,
    /// The six digits to type on the other laptop.
    pub code: String,
    /// The first address as a QR code (`hanout://peer/ip:port`), an `<svg>`.
    pub qr_svg: Option<String>,
    /// Announced over mDNS: the other laptop's "Find" lists this one.
    pub announced: bool,
}

/// A laptop found sharing on this network.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FoundView {
    pub name: String,
    pub key: String,
    /// `ip:port`, IPv4 first.
    pub addresses: Vec<String>,
}

/// One exchange with the other laptop, both ways.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExchangedView {
    /// The other laptop's name.
    pub with: String,
    pub sent: BundleMadeView,
    pub taken: BundleTakenView,
}

impl From<&peer::Exchanged> for ExchangedView {
    fn from(e: &peer::Exchanged) -> Self {
        ExchangedView {
            with: e.with.clone(),
            sent: (&e.sent).into(),
            taken: (&e.taken).into(),
        }
    }
}

/// What happened on this laptop's share, as it happens.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StandEvent {
    /// The other laptop synced with this one.
    Exchanged { exchange: ExchangedView },
    /// A wrong code was typed on the other laptop.
    WrongCode {
        #[serde(rename = "triesLeft")]
        tries_left: u32,
    },
    /// Too many wrong codes: this is the new one.
    CodeChanged { code: String },
    /// An exchange failed here (the log file says why).
    Failed,
}

impl From<peer::ShareEvent> for StandEvent {
    fn from(event: peer::ShareEvent) -> Self {
        match event {
            peer::ShareEvent::Exchanged { with, taken, sent } => StandEvent::Exchanged {
                exchange: ExchangedView {
                    with,
                    sent: (&sent).into(),
                    taken: (&taken).into(),
                },
            },
            peer::ShareEvent::WrongCode { tries_left } => StandEvent::WrongCode { tries_left },
            peer::ShareEvent::CodeChanged { code } => StandEvent::CodeChanged { code },
            peer::ShareEvent::Failed { reason } => {
                tracing::warn!(%reason, "an exchange with the other laptop failed here");
                StandEvent::Failed
            }
        }
    }
}

fn now_ms() -> i64 {
    sync::Clock::now_ms(&sync::SystemClock)
}

/// Runs `f` on the store off the async runtime, for the `peer` crate's
/// functions (`commands::with_store` is for the store's own).
async fn with_peer_store<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut store::Store) -> peer::Result<T> + Send + 'static,
{
    let store = state.checked_store().await?;
    tauri::async_runtime::spawn_blocking(move || {
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    })
    .await?
    .map_err(AppError::from)
}

/// What was taken in reaches the list (and an open editor), and goes on
/// to the marketplace at the next pass.
fn taken_in(app: &AppHandle, state: &AppState) {
    state.wake.notify_one();
    let _ = ListingsChanged.emit(app);
}

/// Writes this laptop's changes (with the photo files if `photos`) to a
/// bundle file at `path`, for the other laptop to import.
#[tauri::command]
#[specta::specta]
pub async fn export_bundle(
    state: State<'_, AppState>,
    path: String,
    photos: bool,
) -> Result<BundleMadeView, AppError> {
    let now = now_ms();
    let made = with_peer_store(&state, move |s| {
        peer::export_file(s, Path::new(&path), photos, now)
    })
    .await?;
    Ok((&made).into())
}

/// Takes the other laptop's bundle at `path` in. Taking it twice changes
/// nothing the second time.
#[tauri::command]
#[specta::specta]
pub async fn import_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<BundleTakenView, AppError> {
    let now = now_ms();
    let taken =
        with_peer_store(&state, move |s| peer::import_file(s, Path::new(&path), now)).await?;
    taken_in(&app, &state);
    Ok((&taken).into())
}

fn share_view(share: &peer::Share) -> ShareView {
    let addresses = share.addresses();
    let qr_svg = addresses
        .first()
        .and_then(|a| qr::qr_svg(&peer::exchange::qr_text(a), a));
    ShareView {
        code: share.code(),
        announced: share.announced(),
        addresses,
        qr_svg,
    }
}

/// Opens this laptop to the other one on the stand's network (the usual
/// port, else any free one), announced over mDNS. Already sharing: the
/// share as it is (its code may have changed since).
#[tauri::command]
#[specta::specta]
pub async fn start_share(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ShareView, AppError> {
    let mut current = state.share.lock().await;
    if let Some(share) = current.as_ref() {
        return Ok(share_view(share));
    }
    let bind = SocketAddr::from(([0, 0, 0, 0], peer::DEFAULT_PORT));
    let share = peer::share(state.checked_store().await?, bind, state.peer_mdns).await?;
    forward(app, &state, share.subscribe());
    let view = share_view(&share);
    *current = Some(share);
    Ok(view)
}

/// Sends the share's events to the window until the share stops.
fn forward(
    app: AppHandle,
    state: &AppState,
    mut events: tokio::sync::broadcast::Receiver<peer::ShareEvent>,
) {
    let wake = state.wake.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            };
            if matches!(event, peer::ShareEvent::Exchanged { .. }) {
                wake.notify_one();
                let _ = ListingsChanged.emit(&app);
            }
            let _ = StandEvent::from(event).emit(&app);
        }
    });
}

/// Closes the share (once an exchange under way has answered).
#[tauri::command]
#[specta::specta]
pub async fn stop_share(state: State<'_, AppState>) -> Result<(), AppError> {
    let share = state.share.lock().await.take();
    if let Some(share) = share {
        share.stop().await;
    }
    Ok(())
}

/// The laptops sharing on this network (listens a few seconds), this one
/// left out.
#[tauri::command]
#[specta::specta]
pub async fn find_laptops(state: State<'_, AppState>) -> Result<Vec<FoundView>, AppError> {
    let mdns = state.peer_mdns;
    let own = with_peer_store(&state, |s| Ok(s.installation_key()?)).await?;
    let found =
        tauri::async_runtime::spawn_blocking(move || peer::discover(mdns, FIND_FOR, usize::MAX))
            .await??;
    Ok(found
        .into_iter()
        .filter(|f| f.key != own)
        .map(|f| FoundView {
            name: f.name,
            key: f.key,
            addresses: f.addresses,
        })
        .collect())
}

/// Syncs with the laptop sharing at `address` (`192.168.1.20:47470`, or
/// the QR code's text), with the code shown on its screen.
#[tauri::command]
#[specta::specta]
pub async fn exchange_with(
    app: AppHandle,
    state: State<'_, AppState>,
    address: String,
    code: String,
) -> Result<ExchangedView, AppError> {
    let done = peer::exchange(state.checked_store().await?, &address, &code).await?;
    taken_in(&app, &state);
    Ok((&done).into())
}
