-- The app's installers and updates (`hanout-market release add`), served to
-- the app's updater at /v1/app/update/… and /v1/app/packages/….
--
-- platform: tauri-plugin-updater's key, `{os}-{arch}` or
-- `{os}-{arch}-{installer}` (linux-x86_64, linux-x86_64-deb,
-- windows-x86_64-nsis, darwin-aarch64).
-- sha256, size, file_name: the package, in the blob store under
-- releases/ab/abcd… (never a photo's key: the clean-up does not see it).
-- signature: the minisign signature `tauri signer sign` wrote, base64.
-- Adding the same version and platform again replaces the row (a build
-- signed again).
CREATE TABLE app_releases (
    version      TEXT NOT NULL,
    platform     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    signature    TEXT NOT NULL,
    notes_ar     TEXT,
    notes_fr     TEXT,
    notes_en     TEXT,
    pub_date_ms  INTEGER NOT NULL,
    PRIMARY KEY (version, platform)
);
CREATE INDEX app_releases_by_sha256 ON app_releases (sha256);
