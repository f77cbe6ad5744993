//! One app per catalog, and a second launch that simply brings the first
//! one's window forward (it was in the tray, or started hidden at login)
//! and exits without a word to the user.
//!
//! Hand-rolled instead of `tauri-plugin-single-instance`, whose Linux
//! backend needs a D-Bus session bus that Xvfb machines and some desktops
//! lack: the first instance listens on a loopback port it writes, with a
//! random token, to `<data>/instance` (readable by the user only); a second
//! instance sends the token and, on "ok", exits. Same on every OS.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

const FILE: &str = "instance";
const WAIT: Duration = Duration::from_millis(1500);

/// Asks an instance already running on `data_dir` to show its window.
/// `true`: it answered (this process should exit).
pub fn knock(data_dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(data_dir.join(FILE)) else {
        return false;
    };
    let Some((port, token)) = text.trim().split_once(' ') else {
        return false;
    };
    let Ok(port) = port.parse::<u16>() else {
        return false;
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, WAIT) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(WAIT));
    if writeln!(stream, "{token}").is_err() {
        return false;
    }
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).is_ok() && answer.trim() == "ok"
}

/// Listens for later launches; `on_knock` runs (on a background thread)
/// for each one that shows the right token.
pub fn listen(data_dir: &Path, on_knock: impl Fn() + Send + 'static) -> std::io::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let port = listener.local_addr()?.port();
    // v7: 74 random bits after the time, plenty for a loopback handshake.
    let token = uuid::Uuid::now_v7().simple().to_string();
    write_private(&data_dir.join(FILE), &format!("{port} {token}\n"))?;
    std::thread::Builder::new()
        .name("instance".to_owned())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(WAIT));
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_ok() && line.trim() == token {
                    on_knock();
                    let _ = (&stream).write_all(b"ok\n");
                }
            }
        })?;
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn a_second_launch_reaches_the_first_and_nothing_else_does() {
        let dir = tempfile::tempdir().unwrap();
        // Nobody running: nothing answers.
        assert!(!knock(dir.path()));

        let knocks = Arc::new(AtomicUsize::new(0));
        let counted = knocks.clone();
        listen(dir.path(), move || {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        assert!(knock(dir.path()));
        assert!(knock(dir.path()));
        assert_eq!(knocks.load(Ordering::SeqCst), 2);

        // A wrong token shows nothing.
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        let (port, _) = text.trim().split_once(' ').unwrap();
        std::fs::write(dir.path().join(FILE), format!("{port} not-the-token")).unwrap();
        assert!(!knock(dir.path()));
        assert_eq!(knocks.load(Ordering::SeqCst), 2);

        // A file left by an instance that died: nothing listens there.
        let dead = tempfile::tempdir().unwrap();
        let closed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        std::fs::write(dead.path().join(FILE), format!("{port} whatever")).unwrap();
        assert!(!knock(dead.path()));
    }
}
