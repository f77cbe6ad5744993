//! A link shaper: a userspace TCP proxy on loopback that makes the path to
//! a server look like a bad mobile link (this kernel has no `netem`).
//!
//! - a rate limit per direction, one token bucket shared by all
//!   connections (parallel connections get no more than the link);
//! - a one-way delay (each direction), so a round trip costs twice it,
//!   and a new connection's first bytes wait one round trip more (the
//!   TCP handshake loopback does not make);
//! - hard cuts: every open connection reset (RST), every `T` seconds or
//!   on demand, like a link that drops and comes back;
//! - stalls: no byte moves either way for `S` seconds, nothing reset;
//! - truncated responses: every `N`th response cut in the middle of its
//!   body, its connection reset;
//! - counters: bytes each way as they leave the bucket (what a metered
//!   link bills), HTTP requests by method, connections, cuts.
//!
//! Only ever between 127.0.0.0/8 addresses.

mod framing;
mod link;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use self::framing::{Body, Framer, Side};
use self::link::{Pipe, Silences};

/// Bytes granted by the bucket at a time on a limited link: one segment,
/// so connections take turns finely.
const SLICE: usize = 1460;
/// Kernel buffers of the proxy's sockets: a modem's queue, not loopback's
/// megabytes (which would hide the link's rate from the sender for seconds).
const SOCKET_BUFFER: u32 = 64 * 1024;

/// What the link does. `LinkSpec::default()` is plain loopback.
#[derive(Debug, Clone, Default)]
pub struct LinkSpec {
    /// Client to server, bytes per second (`None`: unlimited).
    pub up_bytes_per_s: Option<u64>,
    /// Server to client, bytes per second (`None`: unlimited).
    pub down_bytes_per_s: Option<u64>,
    /// Added to every byte, each way: the round trip is twice this.
    pub one_way_delay: Duration,
    /// Reset every open connection this often.
    pub cut_every: Option<Duration>,
    /// Silence the link for a while, this often.
    pub stall: Option<Stall>,
    /// Cut every `N`th response short (mid-body) and reset its connection.
    pub truncate_every: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
pub struct Stall {
    pub every: Duration,
    pub length: Duration,
}

impl LinkSpec {
    /// `kbit_per_s` each way and a round trip of `rtt`.
    pub fn symmetric(kbit_per_s: u64, rtt: Duration) -> LinkSpec {
        let bytes = kbit_per_s * 1000 / 8;
        LinkSpec {
            up_bytes_per_s: Some(bytes),
            down_bytes_per_s: Some(bytes),
            one_way_delay: rtt / 2,
            ..LinkSpec::default()
        }
    }
}

/// What went over the link so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Client-to-server bytes that left the bucket (a byte lost in a cut
    /// after that still counts: it was sent).
    pub up_bytes: u64,
    pub down_bytes: u64,
    /// HTTP requests seen going up (their heads), in all and by method.
    pub requests: u64,
    pub requests_by_method: BTreeMap<String, u64>,
    /// Response heads seen coming down.
    pub responses: u64,
    pub connections: u64,
    /// Times every connection was reset.
    pub cuts: u64,
    /// Responses cut short.
    pub truncated: u64,
}

struct Shared {
    spec: LinkSpec,
    up: Pipe,
    down: Pipe,
    silences: Silences,
    /// Bumped by each cut; every relay watches it.
    cut: watch::Sender<u64>,
    up_bytes: AtomicU64,
    down_bytes: AtomicU64,
    requests: Mutex<BTreeMap<String, u64>>,
    responses: AtomicU64,
    connections: AtomicU64,
    truncated: AtomicU64,
    /// `spec.truncate_every`, changeable while running (0: never).
    truncate_every: AtomicU64,
}

/// A running shaper; stops (and resets what it carries) on drop.
pub struct Shaper {
    pub addr: SocketAddr,
    started: Instant,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

impl Shaper {
    /// Listens on a new 127.0.0.1 port and carries each connection to
    /// `upstream`, which must be on 127.0.0.0/8.
    pub async fn start(upstream: SocketAddr, spec: LinkSpec) -> io::Result<Shaper> {
        if !matches!(upstream, SocketAddr::V4(a) if a.ip().is_loopback()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the shaper only carries traffic to 127.0.0.0/8, not {upstream}"),
            ));
        }
        let socket = TcpSocket::new_v4()?;
        socket.set_recv_buffer_size(SOCKET_BUFFER)?;
        socket.set_send_buffer_size(SOCKET_BUFFER)?;
        socket.bind("127.0.0.1:0".parse().expect("loopback address"))?;
        let listener = socket.listen(128)?;
        let addr = listener.local_addr()?;
        let (cut, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            up: Pipe::new(spec.up_bytes_per_s),
            down: Pipe::new(spec.down_bytes_per_s),
            silences: Silences::default(),
            cut,
            up_bytes: AtomicU64::new(0),
            down_bytes: AtomicU64::new(0),
            requests: Mutex::new(BTreeMap::new()),
            responses: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            truncated: AtomicU64::new(0),
            truncate_every: AtomicU64::new(spec.truncate_every.unwrap_or(0)),
            spec,
        });
        let mut tasks = vec![tokio::spawn(accept(listener, upstream, shared.clone()))];
        if let Some(every) = shared.spec.cut_every {
            let shared = shared.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval_at(Instant::now() + every, every);
                loop {
                    tick.tick().await;
                    cut_all(&shared);
                }
            }));
        }
        if let Some(stall) = shared.spec.stall {
            let shared = shared.clone();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval_at(Instant::now() + stall.every, stall.every);
                loop {
                    let at = tick.tick().await;
                    shared.silences.add(at, stall.length);
                }
            }));
        }
        Ok(Shaper {
            addr,
            started: Instant::now(),
            shared,
            tasks,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn counters(&self) -> Counters {
        let s = &self.shared;
        let requests = s.requests.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Counters {
            up_bytes: s.up_bytes.load(Ordering::SeqCst),
            down_bytes: s.down_bytes.load(Ordering::SeqCst),
            requests: requests.values().sum(),
            requests_by_method: requests,
            responses: s.responses.load(Ordering::SeqCst),
            connections: s.connections.load(Ordering::SeqCst),
            cuts: *s.cut.borrow(),
            truncated: s.truncated.load(Ordering::SeqCst),
        }
    }

    /// Resets every connection open now.
    pub fn cut_now(&self) {
        cut_all(&self.shared);
    }

    /// Silences the link from now for `length`.
    pub fn stall_now(&self, length: Duration) {
        self.shared.silences.add(Instant::now(), length);
    }

    /// From now on cut every `N`th response short (`None`: stop cutting).
    pub fn set_truncate_every(&self, every: Option<u64>) {
        self.shared
            .truncate_every
            .store(every.unwrap_or(0), Ordering::SeqCst);
    }

    /// Time the link has been silent since it started.
    pub fn silent_time(&self) -> Duration {
        self.shared.silences.total(self.started, Instant::now())
    }
}

impl Drop for Shaper {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        cut_all(&self.shared);
    }
}

fn cut_all(shared: &Shared) {
    shared.cut.send_modify(|n| *n += 1);
}

async fn accept(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(relay(client, upstream, shared.clone()));
            }
            // A client gone before it was accepted (ECONNABORTED), or no
            // descriptor free for a moment: the link stays up, as a real
            // one would, rather than refusing everyone from then on.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// How one direction of a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The sender closed; the other side was told (FIN).
    Closed,
    /// A read or write failed: the connection is gone.
    Broken,
    /// A response was cut short here: reset the connection.
    Truncated,
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, shared: Arc<Shared>) {
    let mut cut = shared.cut.subscribe();
    let Ok(mut server) = connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    // A real connection costs a round trip (SYN, SYN-ACK) before its
    // first byte; loopback's costs nothing. Hold the first bytes that long.
    let handshake = shared.spec.one_way_delay * 2;
    if !handshake.is_zero() {
        tokio::select! {
            () = tokio::time::sleep(handshake) => {}
            _ = cut.changed() => return,
        }
    }
    let requests = Mutex::new(VecDeque::new());
    let reset = {
        let (client_rx, client_tx) = client.split();
        let (server_rx, server_tx) = server.split();
        let up = carry(client_rx, server_tx, Dir::Up, &shared, &requests);
        let down = carry(server_rx, client_tx, Dir::Down, &shared, &requests);
        tokio::pin!(up, down);
        let (mut up_done, mut down_done) = (false, false);
        loop {
            let end = tokio::select! {
                end = &mut up, if !up_done => { up_done = true; end }
                end = &mut down, if !down_done => { down_done = true; end }
                _ = cut.changed() => break true,
            };
            match end {
                End::Closed if up_done && down_done => break false,
                End::Closed => {}
                End::Broken | End::Truncated => break true,
            }
        }
    };
    if reset {
        // SO_LINGER 0: closing sends RST, what a dropped link looks like
        // to both ends once they next touch the connection.
        let _ = client.set_zero_linger();
        let _ = server.set_zero_linger();
    }
}

async fn connect(upstream: SocketAddr) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(SOCKET_BUFFER)?;
    socket.set_send_buffer_size(SOCKET_BUFFER)?;
    let stream = socket.connect(upstream).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

enum Item {
    /// Bytes to write when their time comes.
    Data(Instant, Vec<u8>),
    /// The truncation point: end the connection then.
    Truncate(Instant),
}

/// Carries one direction: read, count, wait for the bucket, then hand the
/// bytes to a delay line that writes each slice `one_way_delay` after it
/// left the bucket.
async fn carry(
    mut src: ReadHalf<'_>,
    mut dst: WriteHalf<'_>,
    dir: Dir,
    shared: &Shared,
    requests: &Mutex<VecDeque<bool>>,
) -> End {
    let (tx, mut rx) = mpsc::unbounded_channel::<Item>();
    let delay = shared.spec.one_way_delay;
    let (pipe, counter) = match dir {
        Dir::Up => (&shared.up, &shared.up_bytes),
        Dir::Down => (&shared.down, &shared.down_bytes),
    };
    let reader = async move {
        let mut framer = Framer::new(match dir {
            Dir::Up => Side::Request,
            Dir::Down => Side::Response,
        });
        let mut stream_offset = 0u64;
        let mut truncate_at: Option<u64> = None;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match src.read(&mut buf).await {
                Ok(0) => return End::Closed,
                Err(_) => return End::Broken,
                Ok(n) => n,
            };
            let heads = {
                let mut requests = requests.lock().unwrap_or_else(|p| p.into_inner());
                framer.feed(&buf[..n], &mut requests)
            };
            for head in heads {
                match dir {
                    Dir::Up => {
                        *shared
                            .requests
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .entry(head.label)
                            .or_default() += 1;
                    }
                    Dir::Down => {
                        let nth = shared.responses.fetch_add(1, Ordering::SeqCst) + 1;
                        let every = shared.truncate_every.load(Ordering::SeqCst);
                        if truncate_at.is_none() && every > 0 && nth.is_multiple_of(every) {
                            truncate_at = Some(match head.body {
                                Body::Length(len) => head.end + len / 2,
                                Body::Chunked => head.end + 1,
                                // No body: cut inside the head.
                                Body::None => head.end - 2,
                            });
                        }
                    }
                }
            }
            let mut data = &buf[..n];
            let cut_here = truncate_at
                .filter(|at| *at < stream_offset + n as u64)
                .map(|at| at.saturating_sub(stream_offset) as usize);
            if let Some(keep) = cut_here {
                data = &data[..keep];
            }
            stream_offset += n as u64;
            let slice = if pipe.limited() {
                SLICE
            } else {
                data.len().max(1)
            };
            let mut left_at = Instant::now();
            for piece in data.chunks(slice) {
                let not_before = shared.silences.until(Instant::now());
                left_at = pipe.reserve(piece.len(), not_before);
                tokio::time::sleep_until(left_at).await;
                counter.fetch_add(piece.len() as u64, Ordering::SeqCst);
                if tx
                    .send(Item::Data(left_at + delay, piece.to_vec()))
                    .is_err()
                {
                    return End::Broken;
                }
            }
            if cut_here.is_some() {
                shared.truncated.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(Item::Truncate(left_at + delay));
                return End::Truncated;
            }
        }
    };
    let writer = async {
        while let Some(item) = rx.recv().await {
            match item {
                Item::Data(at, bytes) => {
                    tokio::time::sleep_until(at).await;
                    if dst.write_all(&bytes).await.is_err() {
                        return End::Broken;
                    }
                }
                Item::Truncate(at) => {
                    tokio::time::sleep_until(at).await;
                    return End::Truncated;
                }
            }
        }
        End::Closed
    };
    let (read_end, write_end) = tokio::join!(reader, writer);
    match (read_end, write_end) {
        (End::Closed, End::Closed) => {
            // All delivered: pass the sender's FIN on.
            let _ = dst.shutdown().await;
            End::Closed
        }
        (_, End::Truncated) | (End::Truncated, _) => End::Truncated,
        _ => End::Broken,
    }
}
