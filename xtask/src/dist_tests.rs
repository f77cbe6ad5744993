//! What the packages are made from: checked without building them
//! (building them is `cargo xtask dist --check`, too slow for every CI run).

use serde_json::Value;

use crate::dist::{ICON_SOURCE, PROFILE, profile_env_lines};
use crate::project_root;

fn tauri_conf() -> Value {
    let text = std::fs::read_to_string(project_root().join("tauri.conf.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Paths in tauri.conf.json are relative to src-tauri/ (the Tauri CLI's
/// app folder; the file there is a symlink to the top-level one).
fn from_app_dir(path: &str) -> std::path::PathBuf {
    project_root().join("src-tauri").join(path)
}

#[test]
fn the_version_is_written_once_in_the_workspace() {
    let conf = tauri_conf();
    assert!(
        conf.get("version").is_none(),
        "tauri.conf.json must not repeat the version: Tauri reads the app crate's"
    );
    for manifest in ["src-tauri/Cargo.toml", "crates/cli/Cargo.toml"] {
        let text = std::fs::read_to_string(project_root().join(manifest)).unwrap();
        assert!(
            text.lines().any(|l| l == "version.workspace = true"),
            "{manifest} must take the workspace's version"
        );
    }
}

#[test]
fn every_file_the_bundler_is_given_exists() {
    let conf = tauri_conf();
    let bundle = &conf["bundle"];
    let mut paths: Vec<String> = bundle["icon"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    for kind in ["deb", "rpm"] {
        let linux = &bundle["linux"][kind];
        for key in ["desktopTemplate", "postInstallScript", "preRemoveScript"] {
            paths.push(linux[key].as_str().unwrap().to_owned());
        }
        for source in linux["files"].as_object().unwrap().values() {
            paths.push(source.as_str().unwrap().to_owned());
        }
    }
    paths.push(
        bundle["windows"]["nsis"]["installerIcon"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    for path in &paths {
        assert!(from_app_dir(path).exists(), "{path} does not exist");
    }
}

#[test]
fn the_tray_library_is_a_dependency() {
    // libappindicator is loaded with dlopen: ldd and the bundler cannot see it,
    // and without it there is no tray (closing the window would quit).
    let conf = tauri_conf();
    let linux = &conf["bundle"]["linux"];
    assert_eq!(linux["deb"]["depends"][0], "libayatana-appindicator3-1");
    assert_eq!(linux["rpm"]["depends"][0], "libayatana-appindicator-gtk3");
}

#[test]
fn windows_installs_per_user_with_webview2_offline() {
    let conf = tauri_conf();
    let windows = &conf["bundle"]["windows"];
    assert_eq!(windows["nsis"]["installMode"], "currentUser");
    assert_eq!(windows["webviewInstallMode"]["type"], "offlineInstaller");
}

#[test]
fn icons_are_the_size_their_names_say() {
    assert!(project_root().join(ICON_SOURCE).exists());
    let dir = project_root().join("assets/icons");
    let mut seen = 0;
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        let bytes = std::fs::read(dir.join(format!("{size}x{size}.png"))).unwrap();
        assert_eq!(
            crate::dist::png_size(&bytes),
            Some((size, size)),
            "{size}x{size}.png"
        );
        seen += 1;
    }
    let retina = std::fs::read(dir.join("128x128@2x.png")).unwrap();
    assert_eq!(crate::dist::png_size(&retina), Some((256, 256)));
    assert_eq!(seen, 8);
    for other in ["icon.ico", "icon.icns", "icon.png"] {
        assert!(dir.join(other).exists(), "{other}");
    }
}

#[test]
fn the_desktop_entry_names_the_app_in_arabic_and_french() {
    let entry =
        std::fs::read_to_string(project_root().join("packaging/linux/hanout.desktop")).unwrap();
    for line in [
        "Name[ar]=حانوت",
        "Name[fr]=Hanout",
        "Exec={{exec}}",
        "Icon={{icon}}",
    ] {
        assert!(entry.lines().any(|l| l == line), "missing `{line}`");
    }
    for key in ["GenericName", "Comment", "Keywords"] {
        for lang in ["ar", "fr"] {
            let prefix = format!("{key}[{lang}]=");
            assert!(
                entry.lines().any(|l| l.starts_with(&prefix)),
                "missing {prefix}"
            );
        }
    }
}

#[test]
fn the_background_sync_unit_runs_hanout_sync_watch() {
    let unit = std::fs::read_to_string(project_root().join("packaging/linux/hanout-sync.service"))
        .unwrap();
    // By lines: a Windows checkout may have turned LF into CRLF.
    assert!(
        unit.lines()
            .any(|l| l == "ExecStart=/usr/bin/hanout sync --watch")
    );
    assert!(unit.lines().any(|l| l == "WantedBy=default.target"));
}

#[test]
fn ci_gets_the_ship_profile_from_cargo_toml() {
    let manifest = std::fs::read_to_string(project_root().join("Cargo.toml")).unwrap();
    let lines = profile_env_lines(&manifest, PROFILE).unwrap();
    assert!(lines.contains("CARGO_PROFILE_RELEASE_LTO=fat\n"), "{lines}");
    assert!(
        lines.contains("CARGO_PROFILE_RELEASE_STRIP=symbols\n"),
        "{lines}"
    );
    assert!(
        lines.contains("CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1\n"),
        "{lines}"
    );
    assert!(
        lines.contains("CARGO_PROFILE_RELEASE_OPT_LEVEL="),
        "{lines}"
    );
    assert!(!lines.contains("INHERITS"), "{lines}");
    assert!(profile_env_lines(&manifest, "no-such-profile").is_err());
}

#[cfg(target_os = "linux")]
#[test]
fn depends_are_read_as_groups_of_names() {
    use crate::dist_check::parse_depends;
    assert_eq!(
        parse_depends("libwebkit2gtk-4.1-0 (>= 2.40), libgtk-3-0, libc6:amd64 | libc6-udeb"),
        vec![
            vec!["libwebkit2gtk-4.1-0".to_owned()],
            vec!["libgtk-3-0".to_owned()],
            vec!["libc6".to_owned(), "libc6-udeb".to_owned()],
        ]
    );
    assert!(parse_depends("").is_empty());
}
