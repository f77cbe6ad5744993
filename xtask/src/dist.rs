//! `cargo xtask dist`: the installable packages, built by Tauri's bundler
//! into `target/dist/`; `cargo xtask icons`: every icon from one source.
//! The checks of a built `.deb` (`dist --check`) are in `dist_check.rs`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;
use xshell::{Shell, cmd};

use crate::setup;

/// The Cargo profile packages are built with (`[profile.ship]` in the
/// workspace's Cargo.toml: release + LTO + strip). Not `dist`: that would
/// share `target/dist/` with the packages.
pub const PROFILE: &str = "ship";
/// The one source image every icon size is made from.
pub const ICON_SOURCE: &str = "assets/icon.svg";
/// Tauri config merged over `tauri.conf.json` for packages only: the CLI as
/// a sidecar (a plain `cargo build` of the app must not need it).
const DIST_CONFIG: &str = "packaging/tauri.dist.conf.json";
/// What `cargo xtask dist` builds on Linux when not told otherwise. AppImage
/// is left out: Tauri's AppImage bundler downloads its tools (linuxdeploy,
/// its GTK plugin, AppRun, the AppImage runtime) from GitHub at build time,
/// and no package registry this project can reach carries them.
const LINUX_BUNDLES: &str = "deb,rpm";

pub struct Options {
    pub bundles: Option<String>,
    pub opt_level: Option<String>,
    /// Only build ui/dist and the sidecar (CI, before tauri-action).
    pub prepare_only: bool,
}

pub fn run(sh: &Shell, options: &Options) -> Result<()> {
    let started = Instant::now();
    let out_dir = sh.current_dir().join("target/dist");
    sh.create_dir(&out_dir)?;
    let target = target_dir(sh)?;
    let profile_env: Vec<(&str, &str)> = match &options.opt_level {
        // For measuring: `--opt-level s` builds the same profile at another level.
        Some(level) => vec![("CARGO_PROFILE_SHIP_OPT_LEVEL", level.as_str())],
        None => vec![],
    };

    let cli_s = prepare(sh, &target, &profile_env)?;
    if options.prepare_only {
        export_profile_for_ci(sh)?;
        return Ok(());
    }

    let bundles = options
        .bundles
        .clone()
        .unwrap_or_else(|| default_bundles().to_owned());
    eprintln!("\n== xtask dist: the app and its packages ({bundles})");
    let app_started = Instant::now();
    let tauri = tauri_cli(sh);
    let root = sh.current_dir();
    let app_path = root.join("src-tauri");
    let dist_config = root.join(DIST_CONFIG);
    let mut build_app = cmd!(
        sh,
        "node {tauri} build --ci --bundles {bundles} --config {dist_config} -- --locked --profile {PROFILE}"
    )
    .env("TAURI_APP_PATH", &app_path)
    .env("TAURI_FRONTEND_PATH", root.join("ui"));
    for (k, v) in &profile_env {
        build_app = build_app.env(k, v);
    }
    build_app.run()?;
    let app_s = app_started.elapsed().as_secs_f64();

    let bundle_dir = target.join(PROFILE).join("bundle");
    let mut packages = Vec::new();
    for entry in walk(&bundle_dir)? {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let kind = match () {
            _ if name.ends_with(".deb") => "deb",
            _ if name.ends_with(".rpm") => "rpm",
            _ if name.ends_with(".AppImage") => "appimage",
            _ if name.ends_with("-setup.exe") => "nsis",
            _ if name.ends_with(".dmg") => "dmg",
            _ => continue,
        };
        if !bundles.split(',').any(|b| b.trim() == kind) {
            continue; // left over from an earlier build with other bundles
        }
        // `Hanout_0.1.0_amd64.deb` → `hanout_0.1.0_amd64.deb`, as apt names it.
        let dest = out_dir.join(name.to_lowercase());
        std::fs::copy(&entry, &dest)
            .with_context(|| format!("copy {} to {}", entry.display(), dest.display()))?;
        let bytes = std::fs::metadata(&dest)?.len();
        eprintln!(
            "xtask dist: {} ({:.2} MiB)",
            dest.display(),
            bytes as f64 / 1048576.0
        );
        packages.push(json!({ "kind": kind, "file": dest, "bytes": bytes }));
    }
    if packages.is_empty() {
        bail!("the bundler made no package in {}", bundle_dir.display());
    }
    let app_bin = target.join(PROFILE).join(exe("hanout-app"));
    let cli_bin = target.join(PROFILE).join(exe("hanout"));
    let report = json!({
        "version": workspace_version(sh)?,
        "profile": PROFILE,
        "opt_level": options.opt_level.clone().unwrap_or_else(|| "profile".into()),
        "packages": packages,
        "app_binary_bytes": std::fs::metadata(&app_bin).map(|m| m.len()).ok(),
        "cli_binary_bytes": std::fs::metadata(&cli_bin).map(|m| m.len()).ok(),
        "cli_build_s": cli_s,
        "app_build_and_bundle_s": app_s,
        "total_s": started.elapsed().as_secs_f64(),
    });
    let report_path = out_dir.join("dist.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)?)?;
    eprintln!("xtask dist: {}", report_path.display());
    Ok(())
}

/// ui/dist and `hanout` staged as the app's sidecar; returns the CLI's
/// build time in seconds.
fn prepare(sh: &Shell, target: &Path, profile_env: &[(&str, &str)]) -> Result<f64> {
    setup::npm(sh)?;
    eprintln!("\n== xtask dist: the window's files (ui/dist)");
    {
        let _dir = sh.push_dir("ui");
        cmd!(sh, "npm run build").run()?;
    }
    eprintln!("\n== xtask dist: `hanout` (profile {PROFILE})");
    let started = Instant::now();
    let mut build_cli = cmd!(
        sh,
        "cargo build --locked --profile {PROFILE} -p cli --bin hanout"
    );
    for (k, v) in profile_env {
        build_cli = build_cli.env(k, v);
    }
    build_cli.run()?;
    let took = started.elapsed().as_secs_f64();
    stage_sidecar(sh, target)?;
    Ok(took)
}

/// tauri-action builds under the `release` profile and looks for the
/// packages there: in GitHub Actions, give `release` the settings of
/// `[profile.ship]` (read from Cargo.toml, which stays the one place they
/// are written) through `CARGO_PROFILE_RELEASE_*` in `$GITHUB_ENV`.
fn export_profile_for_ci(sh: &Shell) -> Result<()> {
    let Some(env_file) = std::env::var_os("GITHUB_ENV") else {
        return Ok(());
    };
    let manifest = sh.read_file("Cargo.toml")?;
    let lines = profile_env_lines(&manifest, PROFILE)?;
    let mut file = std::fs::OpenOptions::new().append(true).open(env_file)?;
    std::io::Write::write_all(&mut file, lines.as_bytes())?;
    Ok(())
}

/// `CARGO_PROFILE_RELEASE_<KEY>=<value>` for each setting of
/// `[profile.<name>]` but `inherits`.
pub fn profile_env_lines(manifest: &str, name: &str) -> Result<String> {
    let header = format!("[profile.{name}]");
    let mut lines = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == header;
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .with_context(|| format!("cannot read `{line}` in {header}"))?;
        let key = key.trim();
        if key == "inherits" {
            continue;
        }
        let value = value.trim().trim_matches('"');
        let key = key.replace('-', "_").to_uppercase();
        lines.push_str(&format!("CARGO_PROFILE_RELEASE_{key}={value}\n"));
    }
    if lines.is_empty() {
        bail!("no {header} settings in Cargo.toml");
    }
    Ok(lines)
}

/// `cargo xtask icons`: every icon Tauri and the Linux packages use, made
/// from `assets/icon.svg` by `tauri icon` (Windows `.ico`, macOS `.icns`,
/// PNGs from 16 to 512 px for the freedesktop icon theme). The results are
/// committed so that a plain `cargo build` and CI on every OS have them.
pub fn icons(sh: &Shell) -> Result<()> {
    setup::npm(sh)?;
    let tauri = tauri_cli(sh);
    let root = sh.current_dir();
    let source = root.join(ICON_SOURCE);
    let out = root.join("assets/icons");
    cmd!(sh, "node {tauri} icon {source} -o {out}").run()?;
    cmd!(
        sh,
        "node {tauri} icon {source} -o {out} --png 16,24,48,256,512"
    )
    .run()?;
    // Mobile and Windows Store images: no target of ours uses them.
    for dir in ["android", "ios"] {
        let _ = std::fs::remove_dir_all(out.join(dir));
    }
    for entry in std::fs::read_dir(&out)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("Square") || name == "StoreLogo.png" {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Tauri runs a sidecar named `<name>-<target triple>` from the app's
/// folder and installs it as `<name>` next to the app (`/usr/bin/hanout`).
fn stage_sidecar(sh: &Shell, target: &Path) -> Result<()> {
    let triple = host_triple(sh)?;
    let dir = sh.current_dir().join("src-tauri/binaries");
    sh.create_dir(&dir)?;
    let built = target.join(PROFILE).join(exe("hanout"));
    let staged = dir.join(exe(&format!("hanout-{triple}")));
    std::fs::copy(&built, &staged)
        .with_context(|| format!("copy {} to {}", built.display(), staged.display()))?;
    Ok(())
}

fn default_bundles() -> &'static str {
    if cfg!(target_os = "windows") {
        "nsis"
    } else if cfg!(target_os = "macos") {
        "app,dmg"
    } else {
        LINUX_BUNDLES
    }
}

pub fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// The Tauri CLI from ui/'s devDependencies (`@tauri-apps/cli`).
pub fn tauri_cli(sh: &Shell) -> PathBuf {
    sh.current_dir()
        .join("ui/node_modules/@tauri-apps/cli/tauri.js")
}

fn host_triple(sh: &Shell) -> Result<String> {
    let info = cmd!(sh, "rustc -vV").read()?;
    info.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV printed no host triple")
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and config).
pub fn target_dir(sh: &Shell) -> Result<PathBuf> {
    let meta = cmd!(sh, "cargo metadata --format-version 1 --no-deps --locked")
        .quiet()
        .read()?;
    let meta: serde_json::Value = serde_json::from_str(&meta)?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// The version every package carries: `[workspace.package] version`.
pub fn workspace_version(sh: &Shell) -> Result<String> {
    let meta = cmd!(sh, "cargo metadata --format-version 1 --no-deps --locked")
        .quiet()
        .read()?;
    let meta: serde_json::Value = serde_json::from_str(&meta)?;
    meta["packages"]
        .as_array()
        .and_then(|packages| {
            packages
                .iter()
                .find(|p| p["name"] == "hanout-app")
                .and_then(|p| p["version"].as_str())
        })
        .map(str::to_owned)
        .context("no hanout-app package in cargo metadata")
}

/// Width and height from a PNG's IHDR chunk.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]));
    Some((word(16), word(20)))
}

/// Every file under `dir`, depth first.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    Ok(files)
}
