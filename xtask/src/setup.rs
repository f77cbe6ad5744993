use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// Debian/Ubuntu packages the app, its tests and its benchmarks need.
pub const APT_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libsoup-3.0-dev",
    "libjavascriptcoregtk-4.1-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "imagemagick",
    "libvips-tools",
    "chromium",
    // The marketplace's console is tested in Chromium through WebDriver.
    "chromium-driver",
    "file",
    // `cargo xtask dist --check` validates the packaged .desktop entry.
    "desktop-file-utils",
    // The marketplace's scale-out tests and bench run a throwaway server
    // (`initdb` + `postgres` in a temporary directory; the system cluster
    // is never used).
    "postgresql",
    // `cargo xtask torture` runs a laptop's processes with the clock an
    // hour back through libfaketime (LD_PRELOAD; nothing in the app reads
    // a test clock).
    "faketime",
    // The printed labels and catalogue are read back as a person's tools
    // would: `pdftotext`, `pdftoppm`, `pdfimages` (poppler) and `zbarimg`
    // for their QR codes.
    "poppler-utils",
    "zbar-tools",
    // The laptops' mDNS test runs in a network namespace of its own
    // (`unshare --net`, `ip link`), so its multicast never leaves.
    "util-linux",
    "iproute2",
];

pub fn run(sh: &Shell) -> Result<()> {
    apt(sh)?;
    npm(sh)?;
    tauri_driver(sh)?;
    Ok(())
}

fn apt(sh: &Shell) -> Result<()> {
    let format = "${Status}";
    let installed = |p: &str| {
        cmd!(sh, "dpkg-query -W -f={format} {p}")
            .quiet()
            .ignore_stderr()
            .read()
            .is_ok_and(|s| s.contains("install ok installed"))
    };
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = cmd!(sh, "id -u")
        .quiet()
        .read()
        .map(|id| id.trim() == "0")
        .unwrap_or(false);
    if !is_root {
        bail!(
            "missing system packages; run:\n  sudo apt-get update && sudo apt-get install -y {}",
            missing.join(" ")
        );
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    cmd!(sh, "apt-get update -qq")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    cmd!(
        sh,
        "apt-get install -y -qq --no-install-recommends {missing...}"
    )
    .env("DEBIAN_FRONTEND", "noninteractive")
    .run()
    .context("apt-get install")?;
    Ok(())
}

pub fn npm(sh: &Shell) -> Result<()> {
    let _dir = sh.push_dir("ui");
    // `npm ci` is exact and fast when node_modules matches the lock file already.
    if sh.path_exists("node_modules/.package-lock.json")
        && sh
            .read_file("node_modules/.package-lock.json")
            .ok()
            .is_some_and(|_| lock_unchanged(sh))
    {
        return Ok(());
    }
    cmd!(sh, "npm ci --no-audit --no-fund")
        .run()
        .context("npm ci in ui/")?;
    Ok(())
}

/// Whether node_modules was installed from the current package-lock.json.
fn lock_unchanged(sh: &Shell) -> bool {
    let modified = |p: &str| {
        std::fs::metadata(sh.current_dir().join(p))
            .and_then(|m| m.modified())
            .ok()
    };
    match (
        modified("package-lock.json"),
        modified("node_modules/.package-lock.json"),
    ) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    }
}

fn tauri_driver(sh: &Shell) -> Result<()> {
    if cmd!(sh, "tauri-driver --help")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
    {
        return Ok(());
    }
    cmd!(sh, "cargo install tauri-driver --locked --version 2.1.0")
        .run()
        .context("cargo install tauri-driver")?;
    Ok(())
}
