//! What a process and everything it started cost in memory: the sum of
//! their proportional set sizes (`Pss` in `/proc/PID/smaps_rollup`), shared
//! pages split between the processes that map them — what a 4 GB laptop
//! pays for the app. Linux only.

use std::path::Path;

/// One process's share of memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessPss {
    pub pid: u32,
    /// argv[0]'s file name (`comm` is cut at 15 bytes: `WebKitWebProces`).
    pub name: String,
    pub pss_kib: u64,
}

/// `root` and every process descended from it, each with its `Pss`.
/// Processes that end while being read are left out.
pub fn tree(root: u32) -> Vec<ProcessPss> {
    let procs = Path::new("/proc");
    family(root, &process_table())
        .into_iter()
        .filter_map(|pid| {
            let dir = procs.join(pid.to_string());
            let rollup = std::fs::read_to_string(dir.join("smaps_rollup")).ok()?;
            let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            Some(ProcessPss {
                pid,
                name: process_name(&cmdline, &comm),
                pss_kib: pss_kib(&rollup)?,
            })
        })
        .collect()
}

/// Every running process as `(pid, parent pid)`.
pub fn process_table() -> Vec<(u32, u32)> {
    let procs = Path::new("/proc");
    std::fs::read_dir(procs)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(procs.join(format!("{pid}/stat"))).ok()?;
            Some((pid, parent_pid(&stat)?))
        })
        .collect()
}

/// `root` first, then its descendants, from `(pid, parent pid)` pairs.
pub fn family(root: u32, table: &[(u32, u32)]) -> Vec<u32> {
    let mut found = vec![root];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        for &(pid, ppid) in table {
            if ppid == parent && !found.contains(&pid) {
                found.push(pid);
            }
        }
        next += 1;
    }
    found
}

/// The parent pid in a `/proc/PID/stat` line (field 4). The command name
/// (field 2) may hold spaces and parentheses, so fields are counted from
/// its last closing parenthesis.
pub fn parent_pid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The `Pss:` line of `smaps_rollup`, in KiB.
pub fn pss_kib(rollup: &str) -> Option<u64> {
    rollup.lines().find_map(|line| {
        let value = line.strip_prefix("Pss:")?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// A readable name: argv[0]'s file name, else `comm`.
pub fn process_name(cmdline: &[u8], comm: &str) -> String {
    let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
    let argv0 = String::from_utf8_lossy(argv0);
    match argv0.rsplit('/').next() {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => comm.trim().to_owned(),
    }
}

/// KiB → MiB, the unit of every memory figure in the report.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
