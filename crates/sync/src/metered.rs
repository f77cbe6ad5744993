//! Whether the system says the link is metered, for when the manager has
//! not said (`hanout config --metered auto`, the default).
//!
//! Linux: NetworkManager's `Metered` property over D-Bus, read with
//! `busctl` (systemd's D-Bus client, on every desktop that runs
//! NetworkManager) rather than a D-Bus library: one property read per
//! pass does not earn a dependency tree. Other systems (Windows' cost API,
//! macOS' constrained paths) are not asked yet: `None`, the link counts as
//! unmetered unless the manager says otherwise.

use std::time::Duration;

/// `Some(true)` when the system says (or guesses) the link is metered,
/// `Some(false)` when it says it is not, `None` when it cannot tell.
pub(crate) async fn system_metered() -> Option<bool> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let read = tokio::task::spawn_blocking(network_manager_metered);
    tokio::time::timeout(Duration::from_secs(3), read)
        .await
        .ok()?
        .ok()?
}

fn network_manager_metered() -> Option<bool> {
    let out = std::process::Command::new("busctl")
        .args([
            "--system",
            "--timeout=2",
            "get-property",
            "org.freedesktop.NetworkManager",
            "/org/freedesktop/NetworkManager",
            "org.freedesktop.NetworkManager",
            "Metered",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_nm_metered(&String::from_utf8_lossy(&out.stdout))
}

/// `busctl`'s `u N` for NetworkManager's `NMMetered`: 1 yes, 3 guessed
/// yes, 2 no, 4 guessed no, 0 unknown. Pure.
pub(crate) fn parse_nm_metered(busctl: &str) -> Option<bool> {
    let value: u32 = busctl.trim().strip_prefix("u ")?.trim().parse().ok()?;
    match value {
        1 | 3 => Some(true),
        2 | 4 => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_nm_metered;

    #[test]
    fn network_manager_values_read_as_metered_or_not() {
        assert_eq!(parse_nm_metered("u 1\n"), Some(true));
        assert_eq!(parse_nm_metered("u 3\n"), Some(true));
        assert_eq!(parse_nm_metered("u 2\n"), Some(false));
        assert_eq!(parse_nm_metered("u 4"), Some(false));
        assert_eq!(parse_nm_metered("u 0\n"), None);
        assert_eq!(parse_nm_metered("s \"yes\""), None);
        assert_eq!(parse_nm_metered(""), None);
    }
}
