//! `cargo xtask dist --check`: is the `.deb` in `target/dist/` what a
//! cooperative's Debian or Ubuntu laptop can install and run?
//!
//! - its `Depends` name only packages a distribution archive carries, and
//!   apt can resolve them (`apt-get install --simulate ./hanout_….deb`);
//! - it holds the app, `hanout`, the `.desktop` entry with Arabic and French
//!   names, an icon at every size, and the background-sync user unit
//!   enabled by its post-install script;
//! - unpacked into a fresh root (`dpkg -x`), every library both programs
//!   need comes from an installed distribution package, the root's
//!   `hanout --version` says the workspace's version, the root's `hanout`
//!   writes a catalog, and the root's app starts on it under Xvfb (seen by
//!   the catalog's writer lock it takes: `hanout` then refuses to write).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use xshell::{Shell, cmd};

use crate::dist::{png_size, workspace_version};

/// Icon sizes the freedesktop theme gets (`assets/icons/NxN.png`).
const ICON_SIZES: &[u32] = &[16, 24, 32, 48, 64, 128, 256, 512];
const APP_BIN: &str = "hanout-app";
const UNIT: &str = "usr/lib/systemd/user/hanout-sync.service";

pub fn run(sh: &Shell) -> Result<()> {
    let version = workspace_version(sh)?;
    let arch = cmd!(sh, "dpkg --print-architecture").read()?;
    let deb = sh
        .current_dir()
        .join(format!("target/dist/hanout_{version}_{arch}.deb"));
    ensure!(
        deb.exists(),
        "{} is missing: run `cargo xtask dist` first",
        deb.display()
    );
    eprintln!("\n== xtask dist --check: {}", deb.display());

    control(sh, &deb, &version)?;
    let tmp = tempdir(sh)?;
    let root = tmp.join("root");
    cmd!(sh, "dpkg-deb -x {deb} {root}").run()?;
    contents(sh, &root)?;
    libraries(sh, &root)?;
    runs(sh, &root, &tmp, &version)?;
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("xtask dist --check: all checks passed");
    Ok(())
}

/// Package name and version, `Depends` from the distribution only, the
/// maintainer scripts.
fn control(sh: &Shell, deb: &Path, version: &str) -> Result<()> {
    let field = |name: &str| cmd!(sh, "dpkg-deb -f {deb} {name}").quiet().read();
    ensure!(
        field("Package")? == "hanout",
        "package name is not `hanout`"
    );
    ensure!(
        field("Version")? == version,
        "package version {} is not the workspace's {version}",
        field("Version")?
    );
    let depends = field("Depends")?;
    let groups = parse_depends(&depends);
    ensure!(!groups.is_empty(), "the .deb declares no Depends at all");
    for group in &groups {
        let from_archive = group.iter().any(|name| in_archive(sh, name));
        ensure!(
            from_archive,
            "Depends `{}` is not a package of any configured distribution archive \
             (after `apt-get update`)",
            group.join(" | ")
        );
    }
    eprintln!("xtask dist --check: Depends ({depends}) all from the distribution");
    // apt itself resolves them, as `apt install ./hanout_….deb` would.
    cmd!(
        sh,
        "apt-get install --simulate --no-install-recommends {deb}"
    )
    .quiet()
    .ignore_stdout()
    .run()
    .context("apt cannot resolve the .deb's dependencies")?;

    let control_dir = tempdir(sh)?;
    cmd!(sh, "dpkg-deb -e {deb} {control_dir}").run()?;
    let postinst = std::fs::read_to_string(control_dir.join("postinst"))
        .context("the .deb has no postinst")?;
    ensure!(
        postinst.contains("systemctl --global enable hanout-sync.service"),
        "postinst does not enable the background sync unit"
    );
    let prerm =
        std::fs::read_to_string(control_dir.join("prerm")).context("the .deb has no prerm")?;
    ensure!(
        prerm.contains("systemctl --global disable hanout-sync.service"),
        "prerm does not disable the background sync unit"
    );
    let _ = std::fs::remove_dir_all(&control_dir);
    Ok(())
}

/// `a (>= 1), b | c` → `[[a], [b, c]]`, names only.
pub fn parse_depends(depends: &str) -> Vec<Vec<String>> {
    depends
        .split(',')
        .map(|group| {
            group
                .split('|')
                .map(|alt| {
                    alt.split(['(', ':'])
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                })
                .filter(|name| !name.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|group| !group.is_empty())
        .collect()
}

/// Whether apt knows `name` from an archive (a `Filename: pool/…` record),
/// not only as something installed by hand.
fn in_archive(sh: &Shell, name: &str) -> bool {
    cmd!(sh, "apt-cache show --no-all-versions {name}")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok_and(|record| record.lines().any(|l| l.starts_with("Filename: pool/")))
}

fn contents(sh: &Shell, root: &Path) -> Result<()> {
    for bin in ["usr/bin/hanout-app", "usr/bin/hanout"] {
        let path = root.join(bin);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path)
                .with_context(|| format!("the .deb has no {bin}"))?
                .permissions(),
        );
        ensure!(mode & 0o111 != 0, "{bin} is not executable");
    }

    let apps = root.join("usr/share/applications");
    let desktop = std::fs::read_dir(&apps)
        .with_context(|| format!("no {}", apps.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "desktop"))
        .context("no .desktop entry in the .deb")?;
    let entry = std::fs::read_to_string(&desktop)?;
    for line in [
        "Name=Hanout",
        "Name[ar]=حانوت",
        "Name[fr]=Hanout",
        "Exec=hanout-app",
        "Icon=hanout-app",
        "Type=Application",
    ] {
        ensure!(
            entry.lines().any(|l| l == line),
            "{} lacks the line `{line}`",
            desktop.display()
        );
    }
    ensure!(
        entry.lines().any(|l| l.starts_with("Comment[ar]="))
            && entry.lines().any(|l| l.starts_with("Comment[fr]=")),
        "the .desktop entry has no Arabic or French comment"
    );
    if cmd!(sh, "desktop-file-validate --help")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
    {
        cmd!(sh, "desktop-file-validate {desktop}").run()?;
    }

    for size in ICON_SIZES {
        let icon = root.join(format!(
            "usr/share/icons/hicolor/{size}x{size}/apps/{APP_BIN}.png"
        ));
        let bytes = std::fs::read(&icon).with_context(|| format!("no {}", icon.display()))?;
        let (w, h) =
            png_size(&bytes).with_context(|| format!("{} is not a PNG", icon.display()))?;
        ensure!(
            (w, h) == (*size, *size),
            "{} is {w}×{h}, not {size}×{size}",
            icon.display()
        );
    }

    let unit = std::fs::read_to_string(root.join(UNIT)).context("no background-sync unit")?;
    ensure!(
        unit.lines()
            .any(|l| l == "ExecStart=/usr/bin/hanout sync --watch"),
        "{UNIT} does not run `hanout sync --watch`"
    );
    ensure!(
        unit.lines().any(|l| l == "WantedBy=default.target"),
        "{UNIT} cannot be enabled"
    );
    eprintln!(
        "xtask dist --check: app, hanout, {} (ar, fr), {} icon sizes, {UNIT}",
        desktop.file_name().unwrap_or_default().to_string_lossy(),
        ICON_SIZES.len()
    );
    Ok(())
}

/// Every shared library the two programs load is found, and each one is
/// a file of an installed distribution package (nothing from /usr/local,
/// the build tree or the package itself).
fn libraries(sh: &Shell, root: &Path) -> Result<()> {
    let mut checked = 0;
    for bin in ["usr/bin/hanout-app", "usr/bin/hanout"] {
        let path = root.join(bin);
        let ldd = cmd!(sh, "ldd {path}").quiet().read()?;
        for line in ldd.lines() {
            ensure!(
                !line.contains("not found"),
                "{bin}: a library is missing: {}",
                line.trim()
            );
            let Some(lib) = line
                .split("=>")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .filter(|p| p.starts_with('/'))
            else {
                continue; // the vDSO, the dynamic loader itself
            };
            // dpkg records /lib/… and /usr/lib/… as they were shipped;
            // usrmerge makes either spelling the same file.
            let canonical = std::fs::canonicalize(lib)?;
            let owned = |p: &Path| {
                cmd!(sh, "dpkg -S {p}")
                    .quiet()
                    .ignore_stderr()
                    .read()
                    .is_ok()
            };
            let unmerged = canonical
                .strip_prefix("/usr")
                .map(|p| Path::new("/").join(p))
                .ok();
            ensure!(
                owned(Path::new(lib))
                    || owned(&canonical)
                    || unmerged.as_deref().is_some_and(owned),
                "{bin} loads {lib}, which no installed package provides"
            );
            checked += 1;
        }
    }
    eprintln!("xtask dist --check: {checked} library loads, all from distribution packages");
    Ok(())
}

fn runs(sh: &Shell, root: &Path, tmp: &Path, version: &str) -> Result<()> {
    let hanout = root.join("usr/bin/hanout");
    let app = root.join("usr/bin/hanout-app");
    let said = cmd!(sh, "{hanout} --version").read()?;
    ensure!(
        said.trim() == format!("hanout {version}"),
        "`hanout --version` said {said:?}, not `hanout {version}`"
    );

    // The root's `hanout` makes a catalog with one listing.
    let data = tmp.join("data");
    cmd!(
        sh,
        "{hanout} --data-dir {data} --json listing add --title-fr {TITLE} --title-ar {TITLE_AR} --price 120 --category pottery"
    )
    .quiet()
    .ignore_stdout()
    .run()
    .context("the packaged hanout could not add a listing")?;

    // The root's app starts on it: a window under Xvfb that opens the
    // catalog and holds its writer lock for its life.
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(&app)
        .env("HANOUT_DATA_DIR", &data)
        // No marketplace: the app must start offline.
        .env_remove("HANOUT_MARKET_URL")
        .env_remove("HANOUT_ENROLL_CODE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(tmp.join("app.log"))?))
        .process_group(0)
        .spawn()
        .context("start xvfb-run with the packaged app")?;
    let group = child.id();
    let stop = || {
        let pgid = format!("-{group}");
        let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
    };
    let started = Instant::now();
    let outcome = loop {
        if let Some(status) = child.try_wait()? {
            break Err(anyhow::anyhow!(
                "the packaged app exited ({status}) instead of running; its output:\n{}",
                std::fs::read_to_string(tmp.join("app.log")).unwrap_or_default()
            ));
        }
        let refused = Command::new(&hanout)
            .args(["--json", "--data-dir"])
            .arg(&data)
            .args(["listing", "add", "--title-fr", TITLE, "--price", "1"])
            .args(["--category", "pottery"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output()?;
        let said = String::from_utf8_lossy(&refused.stdout);
        if !refused.status.success() && said.contains("\"locked\"") {
            break Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(60) {
            break Err(anyhow::anyhow!(
                "the packaged app did not take the catalog within 60 s; hanout said {said}"
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    // A listing that went in before the app took the lock is only a
    // symptom of a slow start, not a failure: the lock is what counts.
    let alive = outcome.and_then(|took| {
        std::thread::sleep(Duration::from_secs(3));
        match child.try_wait()? {
            Some(status) => bail!("the packaged app stopped ({status}) right after starting"),
            None => Ok(took),
        }
    });
    stop();
    let _ = child.wait();
    let took = alive?;
    let logs = data.join("logs");
    ensure!(
        std::fs::read_dir(&logs).is_ok_and(|mut d| d.next().is_some()),
        "the packaged app wrote no log in {}",
        logs.display()
    );
    eprintln!(
        "xtask dist --check: `hanout --version` = {}, the app started on the packaged CLI's catalog in {:.1} s",
        said.trim(),
        took.as_secs_f64()
    );
    Ok(())
}

const TITLE: &str = "Tajine de Safi";
const TITLE_AR: &str = "طاجين آسفي";

fn tempdir(sh: &Shell) -> Result<PathBuf> {
    let dir = cmd!(sh, "mktemp -d -t hanout-dist-check.XXXXXX")
        .quiet()
        .read()?;
    Ok(PathBuf::from(dir))
}
