//! A TCP proxy between the engine and the marketplace that counts the bytes
//! going to the server and can cut the link after a given number of them,
//! like a 2G connection dropping mid-upload; or after a given number of
//! bytes coming back, like one dropping mid-download.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    /// Bytes passed on from clients to the server, over all connections.
    forwarded: AtomicU64,
    /// Cut the connection when `forwarded` reaches this.
    cut_at: Mutex<Option<Cut>>,
    /// `forwarded` when the last cut happened.
    forwarded_at_cut: AtomicU64,
    /// New connections are closed at once and open ones cut.
    down: AtomicBool,
    /// Bytes passed on from the server to clients, over all connections.
    received: AtomicU64,
    /// Cut the connection when `received` reaches this.
    cut_received_at: Mutex<Option<u64>>,
    download_cut: AtomicBool,
    /// Flip the bits of the byte from the server at this `received` count.
    corrupt_received_at: Mutex<Option<u64>>,
}

#[derive(Clone, Copy)]
struct Cut {
    at: u64,
    then_down: bool,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if shared.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                tokio::spawn(relay(client, upstream, shared.clone()));
            }
        });
        Proxy { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes sent to the server so far.
    pub fn forwarded(&self) -> u64 {
        self.state.forwarded.load(Ordering::SeqCst)
    }

    /// `forwarded()` at the moment of the last cut.
    pub fn forwarded_at_cut(&self) -> u64 {
        self.state.forwarded_at_cut.load(Ordering::SeqCst)
    }

    /// Cuts the connection carrying the `n`th byte from now (once). With
    /// `then_down`, the link stays down until [`Proxy::set_down`]`(false)`.
    pub fn cut_after(&self, n: u64, then_down: bool) {
        *self.state.cut_at.lock().unwrap() = Some(Cut {
            at: self.forwarded() + n,
            then_down,
        });
    }

    /// Cuts the connection carrying the `n`th byte from the server from now (once).
    pub fn cut_download_after(&self, n: u64) {
        *self.state.cut_received_at.lock().unwrap() =
            Some(self.state.received.load(Ordering::SeqCst) + n);
    }

    /// Flips the bits of the `n`th byte from the server from now (once),
    /// like a link that garbles what it carries.
    pub fn corrupt_download_at(&self, n: u64) {
        *self.state.corrupt_received_at.lock().unwrap() =
            Some(self.state.received.load(Ordering::SeqCst) + n);
    }

    /// Whether the download cut asked for happened.
    pub fn download_was_cut(&self) -> bool {
        self.state.download_cut.load(Ordering::SeqCst)
    }

    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    pub fn was_cut(&self) -> bool {
        self.state.cut_at.lock().unwrap().is_none() && self.forwarded_at_cut() > 0
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, state: Arc<State>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let to_server = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_rx.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if state.down.load(Ordering::SeqCst) {
                return;
            }
            let (pass, cut) = {
                let mut cut_at = state.cut_at.lock().unwrap();
                let before = state.forwarded.load(Ordering::SeqCst);
                match *cut_at {
                    Some(cut) if before + n as u64 >= cut.at => {
                        *cut_at = None;
                        ((cut.at - before) as usize, Some(cut))
                    }
                    _ => (n, None),
                }
            };
            if server_tx.write_all(&buf[..pass]).await.is_err() {
                return;
            }
            let total = state.forwarded.fetch_add(pass as u64, Ordering::SeqCst) + pass as u64;
            if let Some(cut) = cut {
                state.forwarded_at_cut.store(total, Ordering::SeqCst);
                if cut.then_down {
                    state.down.store(true, Ordering::SeqCst);
                }
                return;
            }
        }
    };
    let to_client = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_rx.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let (pass, cut) = {
                let mut cut_at = state.cut_received_at.lock().unwrap();
                let before = state.received.load(Ordering::SeqCst);
                match *cut_at {
                    Some(at) if before + n as u64 >= at => {
                        *cut_at = None;
                        ((at - before) as usize, true)
                    }
                    _ => (n, false),
                }
            };
            {
                let mut corrupt = state.corrupt_received_at.lock().unwrap();
                let before = state.received.load(Ordering::SeqCst);
                if let Some(at) = *corrupt
                    && at >= before
                    && at < before + pass as u64
                {
                    buf[(at - before) as usize] ^= 0xff;
                    *corrupt = None;
                }
            }
            if client_tx.write_all(&buf[..pass]).await.is_err() {
                return;
            }
            state.received.fetch_add(pass as u64, Ordering::SeqCst);
            if cut {
                state.download_cut.store(true, Ordering::SeqCst);
                return;
            }
        }
    };
    // Whichever side ends, both connections close: a cut is a cut.
    tokio::select! {
        () = to_server => {}
        () = to_client => {}
    }
}
