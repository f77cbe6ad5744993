-- The marketplace's schema on PostgreSQL: the same tables and columns as
-- SQLite after its migration 0005 (see ../000*.sql for what each means).
-- Integers are BIGINT throughout; ids are UUIDs as text, like on SQLite.

CREATE TABLE cooperatives (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE enrollment_codes (
    code_hash       TEXT PRIMARY KEY,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);

CREATE TABLE devices (
    id              TEXT PRIMARY KEY,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);

CREATE TABLE listings (
    id                TEXT PRIMARY KEY,
    cooperative_id    TEXT NOT NULL REFERENCES cooperatives (id),
    title_ar          TEXT,
    title_fr          TEXT,
    title_en          TEXT,
    price_centimes    BIGINT NOT NULL,
    updated_at_ms     BIGINT NOT NULL,
    deleted           BIGINT NOT NULL DEFAULT 0,
    published         BIGINT NOT NULL DEFAULT 1,
    moderation        TEXT NOT NULL DEFAULT 'approved'
        CHECK (moderation IN ('pending', 'approved', 'rejected')),
    rejection_reason  TEXT,
    changes_seq       BIGINT NOT NULL DEFAULT 0,
    search_text       TEXT,
    description_ar    TEXT,
    description_fr    TEXT,
    description_en    TEXT,
    category          TEXT,
    stock             BIGINT,
    unit              TEXT,
    dimensions        TEXT,
    weight_grams      BIGINT,
    materials         TEXT,
    origin            TEXT,
    region            TEXT,
    tags              TEXT NOT NULL DEFAULT '[]',
    artisan           TEXT,
    clocks            TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX listings_public ON listings (updated_at_ms DESC)
    WHERE deleted = 0 AND published = 1;
CREATE INDEX listings_changes ON listings (cooperative_id, changes_seq);
CREATE INDEX listings_by_cooperative ON listings (cooperative_id, updated_at_ms DESC)
    WHERE deleted = 0 AND published = 1;

CREATE TABLE applied_changes (
    change_id   TEXT PRIMARY KEY,
    listing_id  TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
);

CREATE TABLE change_sequence (
    only_row  BIGINT PRIMARY KEY CHECK (only_row = 1),
    value     BIGINT NOT NULL
);
INSERT INTO change_sequence (only_row, value) VALUES (1, 0);

CREATE TABLE photos (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    device_id       TEXT NOT NULL REFERENCES devices (id),
    length          BIGINT NOT NULL,
    upload_offset   BIGINT NOT NULL DEFAULT 0,
    sha256          TEXT NOT NULL,
    filename        TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    completed_at    BIGINT
);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE listing_photos (
    listing_id  TEXT NOT NULL REFERENCES listings (id),
    position    BIGINT NOT NULL,
    display     TEXT NOT NULL REFERENCES photos (sha256),
    thumb       TEXT NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (listing_id, position)
);
