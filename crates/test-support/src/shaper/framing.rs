//! Just enough HTTP/1.1 framing to count the requests a connection carries
//! and to find where a response's body is (to cut it short). Heads are
//! parsed by `httparse`; bodies are skipped by `Content-Length` or by
//! chunked encoding. Anything else (an upgrade, a head too big to be ours)
//! makes the stream opaque: it is still carried, no longer counted.

use std::collections::VecDeque;

/// Longest head taken for HTTP; past this the stream is opaque.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Client to server: requests.
    Request,
    /// Server to client: responses.
    Response,
}

/// A message head seen in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// Request method (`PATCH`) or response status (`204`).
    pub label: String,
    /// Stream offset of the first byte after the head.
    pub end: u64,
    pub body: Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    None,
    Length(u64),
    Chunked,
}

enum State {
    Head,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkDataEnd(u8),
    Trailers,
    Opaque,
}

pub(crate) struct Framer {
    side: Side,
    state: State,
    /// Bytes of the head or line being read.
    pending: Vec<u8>,
    /// Stream bytes consumed so far.
    offset: u64,
}

impl Framer {
    pub(crate) fn new(side: Side) -> Framer {
        Framer {
            side,
            state: State::Head,
            pending: Vec::new(),
            offset: 0,
        }
    }

    /// Reads `data`, the next bytes of the stream. `requests` pairs the two
    /// directions of one connection: a request pushes whether it is a
    /// `HEAD` (its answer has no body), a response pops it. Returns the
    /// heads that ended in `data`.
    pub(crate) fn feed(&mut self, mut data: &[u8], requests: &mut VecDeque<bool>) -> Vec<Head> {
        let mut heads = Vec::new();
        while !data.is_empty() {
            match self.state {
                State::Opaque => {
                    self.offset += data.len() as u64;
                    return heads;
                }
                State::Head => {
                    // Bytes up to the end of the head, or all of them.
                    let before = self.pending.len();
                    let take = head_end(&self.pending, data).unwrap_or(data.len());
                    self.pending.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    self.offset += take as u64;
                    if self.pending.ends_with(b"\r\n\r\n") && self.pending.len() > before {
                        match self.parse_head(requests) {
                            Some(head) => heads.push(head),
                            None => self.state = State::Opaque,
                        }
                        self.pending.clear();
                    } else if self.pending.len() > MAX_HEAD {
                        self.state = State::Opaque;
                    }
                }
                State::Body(left) => {
                    let take = left.min(data.len() as u64);
                    data = &data[take as usize..];
                    self.offset += take;
                    self.state = if take == left {
                        State::Head
                    } else {
                        State::Body(left - take)
                    };
                }
                State::ChunkSize | State::Trailers => {
                    let take = data
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(data.len(), |i| i + 1);
                    self.pending.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    self.offset += take as u64;
                    if self.pending.ends_with(b"\n") {
                        let line = std::mem::take(&mut self.pending);
                        self.state = self.after_line(&line);
                    } else if self.pending.len() > MAX_HEAD {
                        self.state = State::Opaque;
                    }
                }
                State::ChunkData(left) => {
                    let take = left.min(data.len() as u64);
                    data = &data[take as usize..];
                    self.offset += take;
                    self.state = if take == left {
                        State::ChunkDataEnd(2)
                    } else {
                        State::ChunkData(left - take)
                    };
                }
                State::ChunkDataEnd(left) => {
                    let take = usize::from(left).min(data.len());
                    data = &data[take..];
                    self.offset += take as u64;
                    let left = left - take as u8;
                    self.state = if left == 0 {
                        State::ChunkSize
                    } else {
                        State::ChunkDataEnd(left)
                    };
                }
            }
        }
        heads
    }

    fn after_line(&self, line: &[u8]) -> State {
        match self.state {
            State::ChunkSize => {
                let text = String::from_utf8_lossy(line);
                let size = text.trim().split(';').next().unwrap_or("").trim();
                match u64::from_str_radix(size, 16) {
                    Ok(0) => State::Trailers,
                    Ok(n) => State::ChunkData(n),
                    Err(_) => State::Opaque,
                }
            }
            // Trailers end with an empty line.
            _ if line == b"\r\n" || line == b"\n" => State::Head,
            _ => State::Trailers,
        }
    }

    fn parse_head(&mut self, requests: &mut VecDeque<bool>) -> Option<Head> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let (label, fields, no_body) = match self.side {
            Side::Request => {
                let mut request = httparse::Request::new(&mut headers);
                match request.parse(&self.pending) {
                    Ok(httparse::Status::Complete(_)) => {}
                    _ => return None,
                }
                let method = request.method?.to_owned();
                requests.push_back(method == "HEAD");
                (method, request.headers.to_vec(), false)
            }
            Side::Response => {
                let mut response = httparse::Response::new(&mut headers);
                match response.parse(&self.pending) {
                    Ok(httparse::Status::Complete(_)) => {}
                    _ => return None,
                }
                let code = response.code?;
                if code == 101 {
                    return None;
                }
                // 1xx answers come before the real one.
                let to_head = if (100..200).contains(&code) {
                    false
                } else {
                    requests.pop_front().unwrap_or(false)
                };
                let no_body = to_head || code == 204 || code == 304 || (100..200).contains(&code);
                (code.to_string(), response.headers.to_vec(), no_body)
            }
        };
        let header = |name: &str| {
            fields
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
        };
        let body = if no_body {
            Body::None
        } else if header("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
            Body::Chunked
        } else if let Some(length) = header("content-length") {
            match length.parse::<u64>() {
                Ok(0) => Body::None,
                Ok(n) => Body::Length(n),
                Err(_) => return None,
            }
        } else if self.side == Side::Request {
            Body::None
        } else {
            // A response without a length runs to the end of the connection.
            return None;
        };
        self.state = match body {
            Body::None => State::Head,
            Body::Length(n) => State::Body(n),
            Body::Chunked => State::ChunkSize,
        };
        Some(Head {
            label,
            end: self.offset,
            body,
        })
    }
}

/// How many bytes of `data` complete a head that starts with `pending`
/// (`None`: the head does not end in `data`).
fn head_end(pending: &[u8], data: &[u8]) -> Option<usize> {
    // The terminator may straddle the two: look at the last 3 pending bytes too.
    let tail = &pending[pending.len().saturating_sub(3)..];
    let mut joined = Vec::with_capacity(tail.len() + data.len().min(MAX_HEAD));
    joined.extend_from_slice(tail);
    joined.extend_from_slice(&data[..data.len().min(MAX_HEAD)]);
    joined
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4 - tail.len())
}
