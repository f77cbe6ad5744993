//! The desktop app's releases: the installers and updates an operator
//! adds with `hanout-market release add` ([`add`]) and the app's updater
//! fetches (`app_update.rs`: tauri-plugin-updater's manifest at
//! `/v1/app/update/{target}/{arch}/{current_version}`, the package at
//! `/v1/app/packages/{sha256}/{file_name}`).
//!
//! A release is one package per version and platform key (`linux-x86_64`,
//! `linux-x86_64-deb`, `windows-x86_64-nsis`, `darwin-aarch64`…) with the
//! minisign signature `tauri signer sign` made of it. The server checks only
//! the signature's shape: the app verifies it against the public key it
//! ships with, so whoever takes over the server still cannot push a build.
//! Packages are copied (the operator's file stays) into the blob store,
//! content-addressed under `releases/ab/abcd…`, where the photos' clean-up
//! never looks. Adding a version and platform again replaces its row (a
//! build signed again); a package no row names any more leaves the store.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use semver::Version;
use sha2::{Digest as _, Sha256};

use crate::Market;
use crate::blobs;
use crate::db::{Row, Tx, args};
use crate::error::{Error, Result};

/// What `hanout-market release add` is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInput {
    /// The package, as `tauri build` left it; copied, never moved.
    pub file: PathBuf,
    /// Semantic version: `0.2.0`, `1.0.0-beta.1`.
    pub version: String,
    /// The platform key: `{os}-{arch}` or `{os}-{arch}-{installer}`.
    pub target: String,
    /// The text of the `FILE.sig` `tauri signer sign` wrote (base64).
    pub signature: String,
    pub notes_ar: Option<String>,
    pub notes_fr: Option<String>,
    pub notes_en: Option<String>,
}

/// One package of one version, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    pub platform: String,
    pub sha256: String,
    pub size: u64,
    pub file_name: String,
    pub signature: String,
    pub notes_ar: Option<String>,
    pub notes_fr: Option<String>,
    pub notes_en: Option<String>,
    /// When it was added (ms since the epoch).
    pub pub_date_ms: i64,
}

/// The largest package accepted.
pub const MAX_PACKAGE_BYTES: u64 = 512 * 1024 * 1024;

/// Operating systems, as tauri-plugin-updater names them (`{{target}}`).
pub(crate) const OSES: [&str; 3] = ["linux", "windows", "darwin"];
/// Architectures, as tauri-plugin-updater names them (`{{arch}}`).
pub(crate) const ARCHES: [&str; 4] = ["x86_64", "aarch64", "i686", "armv7"];
/// Installer kinds and the system each is for.
const INSTALLERS: [(&str, &str); 6] = [
    ("appimage", "linux"),
    ("deb", "linux"),
    ("rpm", "linux"),
    ("msi", "windows"),
    ("nsis", "windows"),
    ("app", "darwin"),
];

/// `text` as a semantic version.
pub(crate) fn parse_version(text: &str) -> Result<Version> {
    Version::parse(text.trim()).map_err(|_| Error::InvalidVersion(text.to_owned()))
}

/// Checks `os` and `arch` name a system and an architecture.
pub(crate) fn check_os_arch(os: &str, arch: &str) -> Result<()> {
    let invalid = |why: String| Error::InvalidPlatform {
        target: format!("{os}-{arch}"),
        why,
    };
    if !OSES.contains(&os) {
        return Err(invalid(format!(
            "the system is `{os}`, not one of {}",
            OSES.join(", ")
        )));
    }
    if !ARCHES.contains(&arch) {
        return Err(invalid(format!(
            "the architecture is `{arch}`, not one of {}",
            ARCHES.join(", ")
        )));
    }
    Ok(())
}

/// Checks a platform key: `{os}-{arch}` or `{os}-{arch}-{installer}`, the
/// installer one for that system.
pub(crate) fn check_platform(key: &str) -> Result<()> {
    let invalid = |why: String| Error::InvalidPlatform {
        target: key.to_owned(),
        why,
    };
    let parts: Vec<&str> = key.split('-').collect();
    let (os, arch, installer) = match parts[..] {
        [os, arch] => (os, arch, None),
        [os, arch, installer] => (os, arch, Some(installer)),
        _ => return Err(invalid("it has not two or three parts".to_owned())),
    };
    check_os_arch(os, arch).map_err(|err| match err {
        Error::InvalidPlatform { why, .. } => invalid(why),
        other => other,
    })?;
    if let Some(installer) = installer {
        match INSTALLERS.iter().find(|(name, _)| *name == installer) {
            None => {
                let names: Vec<&str> = INSTALLERS.iter().map(|(name, _)| *name).collect();
                return Err(invalid(format!(
                    "the installer is `{installer}`, not one of {}",
                    names.join(", ")
                )));
            }
            Some((_, system)) if *system != os => {
                return Err(invalid(format!("{installer} is an installer for {system}")));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The signature, trimmed, if it looks like what `tauri signer sign`
/// writes: base64 of a minisign signature, whose text starts with
/// `untrusted comment:`.
pub(crate) fn check_signature(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::InvalidSignature("it is empty"));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Error::InvalidSignature("it is not base64"))?;
    if !decoded.starts_with(b"untrusted comment:") {
        return Err(Error::InvalidSignature(
            "it does not decode to a minisign signature",
        ));
    }
    Ok(text.to_owned())
}

/// The package's name as its URL and `Content-Disposition` carry it: ASCII
/// letters, digits, `.`, `_`, `-`, `+`, not starting with a dot.
fn file_name_of(path: &Path) -> Result<String> {
    let invalid = |why: &str| Error::InvalidPackage {
        path: path.display().to_string(),
        why: why.to_owned(),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| invalid("it has no file name"))?;
    let fine = |b: u8| b.is_ascii_alphanumeric() || b"._-+".contains(&b);
    if name.starts_with('.') || !name.bytes().all(fine) || name.len() > 200 {
        return Err(invalid(
            "its name should have only ASCII letters, digits, `.`, `_`, `-` and `+` — rename it",
        ));
    }
    Ok(name.to_owned())
}

/// Notes trimmed; blank ones are none.
fn notes(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Validates `input`, copies its package into the blob store and records
/// the release, replacing the same version and platform. Async: the copy
/// streams into a bucket; the CLI runs it on a runtime of its own.
pub(crate) async fn add(market: &Market, input: ReleaseInput) -> Result<Release> {
    let version = parse_version(&input.version)?.to_string();
    let platform = input.target.trim().to_owned();
    check_platform(&platform)?;
    let signature = check_signature(&input.signature)?;
    let path = input.file;
    let file_name = file_name_of(&path)?;
    let shown = path.display().to_string();
    let invalid = |why: String| Error::InvalidPackage {
        path: shown.clone(),
        why,
    };
    let meta = std::fs::metadata(&path).map_err(|err| invalid(format!("cannot read it: {err}")))?;
    if !meta.is_file() {
        return Err(invalid("it is not a file".to_owned()));
    }
    check_size(meta.len()).map_err(invalid)?;
    let hashing = path.clone();
    let (sha256, size) = tokio::task::spawn_blocking(move || hash_file(&hashing)).await??;
    check_size(size).map_err(invalid)?;
    let key = blobs::release_key(&sha256);
    market.blobs().copy_in(&key, &path, &sha256).await?;
    let release = Release {
        version,
        platform,
        sha256,
        size,
        file_name,
        signature,
        notes_ar: notes(input.notes_ar),
        notes_fr: notes(input.notes_fr),
        notes_en: notes(input.notes_en),
        pub_date_ms: market.now_ms(),
    };
    let store = market.blobs().clone();
    let handle = tokio::runtime::Handle::current();
    let recorded = release.clone();
    market
        .run(move |tx| {
            // Under the write lock, as every delete of a package is: a
            // package replaced meanwhile by another `release add` may have
            // taken these bytes with it.
            if !blobs::contains_key_blocking(&store, &handle, &key)? {
                return Err(Error::InvalidPackage {
                    path: shown,
                    why: "its copy left the blob store meanwhile (another `release add` \
                          replaced it) — add it again"
                        .to_owned(),
                });
            }
            let replaced = record(tx, &recorded)?;
            if let Some(old) = replaced.filter(|old| *old != recorded.sha256)
                && tx
                    .query_opt("SELECT 1 FROM app_releases WHERE sha256 = ?1", args![&old])?
                    .is_none()
            {
                blobs::delete_key_blocking(&store, &handle, &blobs::release_key(&old))?;
            }
            Ok(())
        })
        .await?;
    tracing::info!(
        version = %release.version,
        platform = %release.platform,
        size = release.size,
        sha256 = %release.sha256,
        "release added"
    );
    Ok(release)
}

fn check_size(size: u64) -> std::result::Result<(), String> {
    if size == 0 {
        Err("it is empty — give the package `tauri build` made".to_owned())
    } else if size > MAX_PACKAGE_BYTES {
        Err(format!(
            "it is {} MB; the limit is {} MB",
            size.div_ceil(1024 * 1024),
            MAX_PACKAGE_BYTES / (1024 * 1024)
        ))
    } else {
        Ok(())
    }
}

/// The file's SHA-256 (hex) and length, read in pieces.
fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut piece = vec![0; 64 * 1024];
    let mut size = 0_u64;
    loop {
        let read = file.read(&mut piece)?;
        if read == 0 {
            break;
        }
        hasher.update(&piece[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Inserts or replaces the row of `release`'s version and platform;
/// returns the SHA-256 of the package it replaced.
fn record(tx: &mut Tx<'_>, release: &Release) -> Result<Option<String>> {
    let replaced = tx
        .query_opt(
            "SELECT sha256 FROM app_releases WHERE version = ?1 AND platform = ?2",
            args![&release.version, &release.platform],
        )?
        .map(|row| row.get::<String>(0))
        .transpose()?;
    tx.execute(
        "INSERT INTO app_releases (version, platform, sha256, size, file_name, signature,
                                   notes_ar, notes_fr, notes_en, pub_date_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (version, platform) DO UPDATE SET
             sha256 = excluded.sha256, size = excluded.size, file_name = excluded.file_name,
             signature = excluded.signature, notes_ar = excluded.notes_ar,
             notes_fr = excluded.notes_fr, notes_en = excluded.notes_en,
             pub_date_ms = excluded.pub_date_ms",
        args![
            &release.version,
            &release.platform,
            &release.sha256,
            i64::try_from(release.size).unwrap_or(i64::MAX),
            &release.file_name,
            &release.signature,
            &release.notes_ar,
            &release.notes_fr,
            &release.notes_en,
            release.pub_date_ms
        ],
    )?;
    Ok(replaced)
}

const COLUMNS: &str = "version, platform, sha256, size, file_name, signature,
                       notes_ar, notes_fr, notes_en, pub_date_ms";

fn from_row(row: &Row) -> Result<Release> {
    Ok(Release {
        version: row.get(0)?,
        platform: row.get(1)?,
        sha256: row.get(2)?,
        size: u64::try_from(row.get::<i64>(3)?).unwrap_or(0),
        file_name: row.get(4)?,
        signature: row.get(5)?,
        notes_ar: row.get(6)?,
        notes_fr: row.get(7)?,
        notes_en: row.get(8)?,
        pub_date_ms: row.get(9)?,
    })
}

/// Every release, newest version first, then by platform.
pub(crate) fn all(tx: &mut Tx<'_>) -> Result<Vec<Release>> {
    let mut releases = tx
        .query(&format!("SELECT {COLUMNS} FROM app_releases"), &[])?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>>>()?;
    releases.sort_by(|a, b| {
        let version = |r: &Release| Version::parse(&r.version).ok();
        version(b)
            .cmp(&version(a))
            .then_with(|| a.platform.cmp(&b.platform))
    });
    Ok(releases)
}

/// The releases of `os`-`arch` (any installer), in no order.
pub(crate) fn for_os_arch(tx: &mut Tx<'_>, os: &str, arch: &str) -> Result<Vec<Release>> {
    // `_` is a LIKE wildcard (x86_64): escaped.
    let with_installer = format!("{os}-{arch}-%").replace('_', "\\_");
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM app_releases
             WHERE platform = ?1 OR platform LIKE ?2 ESCAPE '\\'"
        ),
        args![&format!("{os}-{arch}"), &with_installer],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// The size of the package `sha256` if a release calls it `file_name`.
pub(crate) fn package_size(tx: &mut Tx<'_>, sha256: &str, file_name: &str) -> Result<Option<u64>> {
    tx.query_opt(
        "SELECT size FROM app_releases WHERE sha256 = ?1 AND file_name = ?2 LIMIT 1",
        args![sha256, file_name],
    )?
    .map(|row| Ok(u64::try_from(row.get::<i64>(0)?).unwrap_or(0)))
    .transpose()
}

/// The update for an app of `os`-`arch` at `current`: the packages of the
/// newest version above it (by semver precedence, build metadata ignored)
/// whose platform is `{os}-{arch}` or `{os}-{arch}-…`, by platform. Empty:
/// the app is up to date. Pure.
pub(crate) fn update_for(
    releases: Vec<Release>,
    os: &str,
    arch: &str,
    current: &Version,
) -> Vec<Release> {
    let exact = format!("{os}-{arch}");
    let prefix = format!("{exact}-");
    let mut newer: Vec<(Version, Release)> = releases
        .into_iter()
        .filter(|r| r.platform == exact || r.platform.starts_with(&prefix))
        .filter_map(|r| Some((Version::parse(&r.version).ok()?, r)))
        .filter(|(v, _)| v.cmp_precedence(current).is_gt())
        .collect();
    let Some(newest) = newer
        .iter()
        .map(|(v, _)| v)
        .max_by(|a, b| a.cmp_precedence(b).then_with(|| a.cmp(b)))
        .cloned()
    else {
        return Vec::new();
    };
    newer.retain(|(v, _)| *v == newest);
    let mut packages: Vec<Release> = newer.into_iter().map(|(_, r)| r).collect();
    packages.sort_by(|a, b| a.platform.cmp(&b.platform));
    packages
}

/// The release list, from blocking code.
pub(crate) fn list(market: &Market) -> Result<Vec<Release>> {
    market.db().read(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(version: &str, platform: &str) -> Release {
        Release {
            version: version.to_owned(),
            platform: platform.to_owned(),
            sha256: format!("{version}/{platform}"),
            size: 1,
            file_name: "Hanout.AppImage".to_owned(),
            signature: "sig".to_owned(),
            notes_ar: None,
            notes_fr: None,
            notes_en: None,
            pub_date_ms: 0,
        }
    }

    #[test]
    fn the_update_is_the_newest_version_above_the_current_one_for_this_system() {
        #[track_caller]
        fn check(current: &str, os: &str, arch: &str, expect: &[&str]) {
            let releases = vec![
                release("0.1.0", "linux-x86_64"),
                release("0.2.0", "linux-x86_64"),
                release("0.2.0", "linux-x86_64-deb"),
                release("0.2.0", "windows-x86_64-nsis"),
                release("0.3.0", "darwin-aarch64"),
                release("0.10.0-beta.1", "windows-x86_64-nsis"),
            ];
            let found: Vec<String> =
                update_for(releases, os, arch, &Version::parse(current).unwrap())
                    .iter()
                    .map(|r| format!("{} {}", r.version, r.platform))
                    .collect();
            assert_eq!(found, expect, "{current} {os}-{arch}");
        }
        check(
            "0.1.0",
            "linux",
            "x86_64",
            &["0.2.0 linux-x86_64", "0.2.0 linux-x86_64-deb"],
        );
        check("0.2.0", "linux", "x86_64", &[]);
        check("0.2.0+build.7", "linux", "x86_64", &[]);
        check("0.3.0", "linux", "x86_64", &[]);
        check("0.1.0", "linux", "aarch64", &[]);
        check("0.1.0", "darwin", "aarch64", &["0.3.0 darwin-aarch64"]);
        // Semver, not text: 0.10.0-beta.1 > 0.2.0.
        check(
            "0.2.0",
            "windows",
            "x86_64",
            &["0.10.0-beta.1 windows-x86_64-nsis"],
        );
    }

    #[test]
    fn platform_keys_are_system_architecture_and_installer() {
        for good in [
            "linux-x86_64",
            "linux-x86_64-deb",
            "linux-aarch64-appimage",
            "windows-x86_64-nsis",
            "windows-i686-msi",
            "darwin-aarch64",
            "darwin-x86_64-app",
            "linux-armv7-rpm",
        ] {
            assert!(check_platform(good).is_ok(), "{good}");
        }
        for (bad, says) in [
            ("linux", "two or three parts"),
            ("beos-x86_64", "the system is `beos`"),
            ("linux-amd64", "the architecture is `amd64`"),
            ("linux-x86_64-snap", "the installer is `snap`"),
            ("linux-x86_64-msi", "msi is an installer for windows"),
            ("Linux-x86_64", "the system is `Linux`"),
            ("linux-x86_64-deb-extra", "two or three parts"),
        ] {
            let err = check_platform(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn signatures_must_be_base64_minisign() {
        let sig = base64::engine::general_purpose::STANDARD
            .encode("untrusted comment: signature from tauri secret key\nRUQ…\n");
        assert_eq!(check_signature(&format!(" {sig}\n")).unwrap(), sig);
        assert!(check_signature("").is_err());
        assert!(check_signature("not base64!").is_err());
        let other = base64::engine::general_purpose::STANDARD.encode("hello");
        assert!(check_signature(&other).is_err());
    }
}
