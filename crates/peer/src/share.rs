//! Sharing at the stand: this laptop listens on the local network, announces
//! itself over mDNS, shows its address and a pairing code, and answers each
//! exchange: it takes the other laptop's bundle in, then sends back its own
//! changes since what that laptop said it has.
//!
//! `POST /hanout/peer/1/exchange`: the body is a bundle file, the header
//! `x-hanout-tag` its HMAC under the code and the cooperative (see
//! `pairing`); the answer is this laptop's bundle, tagged the same way.
//! `GET /hanout/peer/1/hello` says who listens (no secret in it).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use store::{BundleMade, BundleTaken, SettingKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{broadcast, oneshot};

use crate::pairing::{self, MAX_WRONG, Tagger};
use crate::{Error, Mdns, Result, SharedStore, with_store};

pub(crate) const TAG_HEADER: &str = "x-hanout-tag";
pub(crate) const HELLO: &str = "/hanout/peer/1/hello";
pub(crate) const EXCHANGE: &str = "/hanout/peer/1/exchange";
/// The largest bundle taken (photos included).
const MAX_BUNDLE: u64 = 2 << 30;

/// What happened on a share, for the window and the CLI to say.
#[derive(Debug, Clone)]
pub enum ShareEvent {
    /// An exchange went through.
    Exchanged {
        with: String,
        taken: BundleTaken,
        sent: BundleMade,
    },
    /// A wrong code was typed on the other laptop.
    WrongCode { tries_left: u32 },
    /// Too many wrong codes: this is the new one.
    CodeChanged { code: String },
    /// An exchange failed here (the other laptop is told too).
    Failed { reason: String },
}

/// Who listens, as `hello` says it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Hello {
    pub key: String,
    pub name: String,
}

struct Shared {
    store: SharedStore,
    code: Mutex<String>,
    wrong: AtomicU32,
    cooperative_id: String,
    hello: Hello,
    events: broadcast::Sender<ShareEvent>,
}

/// A share that is open; dropped or [`stop`](Share::stop)ped, it closes.
pub struct Share {
    port: u16,
    addresses: Vec<IpAddr>,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    mdns: Option<mdns_sd::ServiceDaemon>,
}

impl Share {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The code to type on the other laptop.
    pub fn code(&self) -> String {
        self.shared
            .code
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Where the other laptop can reach this one, as `ip:port`, the
    /// addresses of the local network first.
    pub fn addresses(&self) -> Vec<String> {
        self.addresses
            .iter()
            .map(|ip| SocketAddr::new(*ip, self.port).to_string())
            .collect()
    }

    /// Whether the share is announced over mDNS.
    pub fn announced(&self) -> bool {
        self.mdns.is_some()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ShareEvent> {
        self.shared.events.subscribe()
    }

    /// Closes the share, once the exchange under way (if any) has answered.
    pub async fn stop(mut self) {
        self.close();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn close(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mdns) = self.mdns.take() {
            let _ = mdns.shutdown();
        }
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.close();
    }
}

/// Opens a share on `bind` (port 0: any free port), announced over mDNS
/// as `announce` says (a failure to announce leaves the address to type).
pub async fn share(store: SharedStore, bind: SocketAddr, announce: Mdns) -> Result<Share> {
    let (cooperative_id, key, name) = with_store(&store, |s| {
        let cooperative = s
            .setting(SettingKey::CooperativeId)?
            .ok_or(store::Error::Bundle(store::BundleError::NotConnected))?;
        let key = s.installation_key()?;
        let name = s
            .setting(SettingKey::CooperativeName)?
            .unwrap_or_else(|| "Hanout".to_owned());
        Ok((cooperative, key, name))
    })
    .await?;
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        // The usual port taken (another share, another program): any port.
        Err(_) if bind.port() != 0 => {
            tokio::net::TcpListener::bind(SocketAddr::new(bind.ip(), 0)).await?
        }
        Err(e) => return Err(e.into()),
    };
    let port = listener.local_addr()?.port();
    let (events, _) = broadcast::channel(32);
    let shared = Arc::new(Shared {
        store,
        code: Mutex::new(pairing::new_code()),
        wrong: AtomicU32::new(0),
        cooperative_id,
        hello: Hello {
            key: key.clone(),
            name: format!("{name} · {}", &key[key.len().saturating_sub(6)..]),
        },
        events,
    });
    let app = Router::new()
        .route(HELLO, get(hello))
        .route(EXCHANGE, post(exchange))
        .with_state(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "the share stopped");
        }
    });
    let addresses = if bind.ip().is_unspecified() {
        local_addresses()
    } else {
        vec![bind.ip()]
    };
    let mdns = match announce_on_mdns(announce, &shared.hello, port) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "could not announce the share over mDNS");
            None
        }
    };
    Ok(Share {
        port,
        addresses,
        shared,
        stop: Some(stop),
        task: Some(task),
        mdns,
    })
}

fn announce_on_mdns(
    announce: Mdns,
    hello: &Hello,
    port: u16,
) -> Result<Option<mdns_sd::ServiceDaemon>> {
    let err = |e: mdns_sd::Error| Error::Discovery(e.to_string());
    let Some(daemon) = announce.daemon()? else {
        return Ok(None);
    };
    let short = &hello.key[hello.key.len().saturating_sub(6)..];
    let info = mdns_sd::ServiceInfo::new(
        crate::SERVICE_TYPE,
        &format!("hanout-{short}"),
        &format!("hanout-{short}.local."),
        "",
        port,
        &[("name", hello.name.as_str()), ("key", hello.key.as_str())][..],
    )
    .map_err(err)?
    .enable_addr_auto();
    daemon.register(info).map_err(err)?;
    Ok(Some(daemon))
}

/// The machine's IPv4 addresses on its networks (loopback last, for a
/// laptop with no network at all).
fn local_addresses() -> Vec<IpAddr> {
    let mut found: Vec<IpAddr> = if_addrs::get_if_addrs()
        .map(|list| {
            list.into_iter()
                .filter(|i| !i.is_loopback())
                .map(|i| i.ip())
                .filter(IpAddr::is_ipv4)
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.dedup();
    found.push(IpAddr::from([127, 0, 0, 1]));
    found
}

async fn hello(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.hello.clone()).into_response()
}

async fn exchange(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    match answer(&shared, &headers, body).await {
        Ok(response) => response,
        Err(Error::WrongCode) => {
            let wrong = shared.wrong.fetch_add(1, Ordering::SeqCst) + 1;
            if wrong >= MAX_WRONG {
                let code = pairing::new_code();
                *shared.code.lock().unwrap_or_else(|p| p.into_inner()) = code.clone();
                shared.wrong.store(0, Ordering::SeqCst);
                let _ = shared.events.send(ShareEvent::CodeChanged { code });
                (StatusCode::UNAUTHORIZED, "code-changed").into_response()
            } else {
                let _ = shared.events.send(ShareEvent::WrongCode {
                    tries_left: MAX_WRONG - wrong,
                });
                (StatusCode::UNAUTHORIZED, "wrong-code").into_response()
            }
        }
        Err(e) => {
            let reason = e.to_string();
            let _ = shared.events.send(ShareEvent::Failed {
                reason: reason.clone(),
            });
            (StatusCode::UNPROCESSABLE_ENTITY, reason).into_response()
        }
    }
}

async fn answer(shared: &Arc<Shared>, headers: &HeaderMap, body: Body) -> Result<Response> {
    let tag = headers
        .get(TAG_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::WrongCode)?
        .to_owned();
    let code = shared
        .code
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let key = pairing::key(&code, &shared.cooperative_id);

    // The bundle to a file, tagged on the way.
    let incoming = tempfile::NamedTempFile::new()?.into_temp_path();
    let mut file = tokio::fs::File::create(&incoming).await?;
    let mut tagger = Tagger::new(&key);
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Error::Protocol(e.to_string()))?;
        size += chunk.len() as u64;
        if size > MAX_BUNDLE {
            return Err(Error::Protocol("bundle too large".into()));
        }
        tagger.update(&chunk);
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    drop(file);
    if !tagger.verify(&tag) {
        return Err(Error::WrongCode);
    }
    shared.wrong.store(0, Ordering::SeqCst);

    let outgoing = tempfile::NamedTempFile::new()?.into_temp_path();
    let path_in = incoming.to_path_buf();
    let path_out = outgoing.to_path_buf();
    let (with, taken, sent) = with_store(&shared.store, move |s| {
        let header = store::read_bundle_header(&path_in)?;
        let taken = crate::files::import_file(s, &path_in, crate::now_ms())?;
        std::fs::remove_file(&path_out).ok();
        let sent = crate::files::export_for(
            s,
            &path_out,
            &header.key,
            header.has_photos,
            crate::now_ms(),
        )?;
        Ok((header.name, taken, sent))
    })
    .await?;
    drop(incoming);

    let mut tagger = Tagger::new(&key);
    let mut file = tokio::fs::File::open(&outgoing).await?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        tagger.update(&buf[..n]);
    }
    let tag = tagger.hex();
    let file = tokio::fs::File::open(&outgoing).await?;
    // The temporary file goes when the answer has been sent.
    let stream = tokio_util::io::ReaderStream::new(file).map(move |chunk| {
        let _keep = &outgoing;
        chunk
    });
    // Said once the answer has gone whole (a `--once` share ends then).
    let events = shared.events.clone();
    let told = futures_util::stream::once(async move {
        let _ = events.send(ShareEvent::Exchanged { with, taken, sent });
        Ok(axum::body::Bytes::new())
    });
    Ok(([(TAG_HEADER, tag)], Body::from_stream(stream.chain(told))).into_response())
}
