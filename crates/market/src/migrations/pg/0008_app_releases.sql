-- See ../0012_app_releases.sql.
CREATE TABLE app_releases (
    version      TEXT NOT NULL,
    platform     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    file_name    TEXT NOT NULL,
    signature    TEXT NOT NULL,
    notes_ar     TEXT,
    notes_fr     TEXT,
    notes_en     TEXT,
    pub_date_ms  BIGINT NOT NULL,
    PRIMARY KEY (version, platform)
);
CREATE INDEX app_releases_by_sha256 ON app_releases (sha256);
