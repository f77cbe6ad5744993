//! Whether the system says the link is metered, for when the manager has
//! not said (`hanout config --metered auto`, the default).
//!
//! Linux: NetworkManager's `Metered` property over D-Bus, read with
//! `busctl` (systemd's D-Bus client, on every desktop that runs
//! NetworkManager) rather than a D-Bus library: one property read per
//! pass does not earn a dependency tree. Windows: the connection cost of
//! the internet profile (`NetworkInformation.GetConnectionCost`, the "cost
//! API"), read through the PowerShell every Windows 10 and 11 has, for the
//! same reason, at most once a minute (PowerShell takes a moment to start).
//! macOS (constrained paths) is not asked yet: `None`, the link counts as
//! unmetered unless the manager says otherwise.

use std::time::Duration;

/// `Some(true)` when the system says (or guesses) the link is metered,
/// `Some(false)` when it says it is not, `None` when it cannot tell.
pub(crate) async fn system_metered() -> Option<bool> {
    let ask: fn() -> Option<bool> = if cfg!(target_os = "linux") {
        network_manager_metered
    } else if cfg!(windows) {
        windows_metered_cached
    } else {
        return None;
    };
    let read = tokio::task::spawn_blocking(ask);
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()?
        .ok()?
}

/// Windows' answer, asked at most once a minute.
fn windows_metered_cached() -> Option<bool> {
    use std::sync::Mutex;
    use std::time::Instant;
    static LAST: Mutex<Option<(Instant, Option<bool>)>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, answer)) = *last
        && at.elapsed() < Duration::from_secs(60)
    {
        return answer;
    }
    let answer = windows_metered();
    *last = Some((Instant::now(), answer));
    answer
}

/// The PowerShell line that prints the internet profile's connection cost:
/// `NetworkCostType Roaming OverDataLimit ApproachingDataLimit`.
const WINDOWS_COST: &str = "$p = [Windows.Networking.Connectivity.NetworkInformation,Windows.Networking.Connectivity,ContentType=WindowsRuntime]::GetInternetConnectionProfile(); if ($p) { $c = $p.GetConnectionCost(); \"$($c.NetworkCostType) $($c.Roaming) $($c.OverDataLimit) $($c.ApproachingDataLimit)\" }";

fn windows_metered() -> Option<bool> {
    let mut command = std::process::Command::new("powershell.exe");
    command
        .args(["-NoProfile", "-NonInteractive", "-Command", WINDOWS_COST])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt as _;
        // No console window flashing up at each pass.
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        command.creation_flags(CREATE_NO_WINDOW);
    }
    let out = command.output().ok()?;
    if !out.status.success() {
        return None;
    }
    parse_windows_cost(&String::from_utf8_lossy(&out.stdout))
}

/// The cost API's answer as [`WINDOWS_COST`] prints it: `Unrestricted` is
/// not metered (unless roaming or over the plan's limit), `Fixed` and
/// `Variable` are; `Unknown` cannot tell. Pure.
pub(crate) fn parse_windows_cost(line: &str) -> Option<bool> {
    let mut words = line.split_whitespace();
    let cost = words.next()?;
    let flags: Vec<bool> = words.map(|w| w.eq_ignore_ascii_case("true")).collect();
    if flags.iter().any(|&f| f) && cost != "Unknown" {
        return Some(true);
    }
    match cost {
        "Unrestricted" => Some(false),
        "Fixed" | "Variable" => Some(true),
        _ => None,
    }
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
    use super::{parse_nm_metered, parse_windows_cost};

    #[test]
    fn windows_connection_costs_read_as_metered_or_not() {
        assert_eq!(
            parse_windows_cost("Unrestricted False False False\r\n"),
            Some(false)
        );
        assert_eq!(parse_windows_cost("Fixed False False False"), Some(true));
        assert_eq!(parse_windows_cost("Variable False False False"), Some(true));
        // Roaming, or over the plan's limit: metered whatever the type.
        assert_eq!(
            parse_windows_cost("Unrestricted True False False"),
            Some(true)
        );
        assert_eq!(
            parse_windows_cost("Unrestricted False False True"),
            Some(true)
        );
        assert_eq!(parse_windows_cost("Unknown False False False"), None);
        assert_eq!(parse_windows_cost(""), None);
    }

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
