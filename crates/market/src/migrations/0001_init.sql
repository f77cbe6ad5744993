-- The marketplace's schema. Ids are UUIDs as hyphenated text; times are
-- milliseconds since the Unix epoch. Server times (created_at, applied_at…)
-- come from the server's clock; listings.updated_at_ms from the device's.

CREATE TABLE cooperatives (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- One-time enrollment codes; only the SHA-256 of the normalised code is kept.
CREATE TABLE enrollment_codes (
    code_hash       TEXT PRIMARY KEY NOT NULL,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
) STRICT;

-- Enrolled devices; only the SHA-256 of the bearer token is kept.
CREATE TABLE devices (
    id              TEXT PRIMARY KEY NOT NULL,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) STRICT;

-- Listings as their cooperative's devices last pushed them. A deleted
-- listing stays as a tombstone so its id keeps its owner.
CREATE TABLE listings (
    id              TEXT PRIMARY KEY NOT NULL,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    title_ar        TEXT,
    title_fr        TEXT,
    title_en        TEXT,
    price_centimes  INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    -- Moderation will flip this; for now every pushed listing is published.
    published       INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX listings_public ON listings (updated_at_ms DESC)
    WHERE deleted = 0 AND published = 1;

-- Every change id applied once; a replay is answered `duplicate`.
CREATE TABLE applied_changes (
    change_id   TEXT PRIMARY KEY NOT NULL,
    listing_id  TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
) STRICT;
