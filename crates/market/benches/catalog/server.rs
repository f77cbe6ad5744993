//! The real `hanout-market serve`, a process of its own, and its memory.

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;

use crate::dataset::Data;

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub pid: u32,
}

impl Server {
    pub fn start(data: &Data) -> anyhow::Result<Server> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data.dir.path().join("server.log"))?;
        let mut command = Command::new(env!("CARGO_BIN_EXE_hanout-market"));
        command.arg("--data").arg(data.dir.path());
        if let Some(url) = &data.database {
            command.args(["--database", url]);
        }
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            // Production's log level; the log goes to a file.
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = command.spawn().context("could not start hanout-market")?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "hanout-market said {line:?} instead of where it listens; see {}",
                data.dir.path().join("server.log").display()
            );
        };
        Ok(Server {
            base: base.to_owned(),
            pid: child.id(),
            child,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of `pid` in KiB: (`VmRSS`, `VmHWM`, the kernel's
/// high-water mark of it).
pub fn memory_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("reading /proc (this bench runs on Linux)")?;
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("no {name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}
