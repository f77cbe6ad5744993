-- The whole catalog: cooperative profile, artisans, full listings, photos, search.
-- Append-only: never edit this file once shipped.

CREATE TABLE cooperative (
    id               INTEGER PRIMARY KEY CHECK (id = 1),   -- one per installation
    name_ar          TEXT,
    name_fr          TEXT,
    registration_no  TEXT,
    region           TEXT,
    contact          TEXT
) STRICT;

CREATE TABLE artisans (
    id            TEXT PRIMARY KEY NOT NULL,               -- UUIDv7
    name          TEXT NOT NULL,
    village       TEXT,
    craft         TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

ALTER TABLE listings ADD COLUMN description_ar TEXT;
ALTER TABLE listings ADD COLUMN description_fr TEXT;
ALTER TABLE listings ADD COLUMN description_en TEXT;
ALTER TABLE listings ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE listings ADD COLUMN stock INTEGER NOT NULL DEFAULT 1 CHECK (stock >= 0);
ALTER TABLE listings ADD COLUMN unit TEXT NOT NULL DEFAULT 'piece';
ALTER TABLE listings ADD COLUMN dimensions TEXT;
ALTER TABLE listings ADD COLUMN weight_grams INTEGER CHECK (weight_grams >= 0);
ALTER TABLE listings ADD COLUMN materials TEXT;
ALTER TABLE listings ADD COLUMN origin TEXT;
ALTER TABLE listings ADD COLUMN region TEXT;
ALTER TABLE listings ADD COLUMN tags TEXT NOT NULL DEFAULT '';      -- comma-separated
ALTER TABLE listings ADD COLUMN status TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE listings ADD COLUMN artisan_id TEXT REFERENCES artisans (id);

CREATE INDEX listings_by_updated ON listings (updated_at_ms DESC);
CREATE INDEX listings_by_price ON listings (price_centimes);
CREATE INDEX listings_by_category ON listings (category, updated_at_ms DESC);

-- Ordered photos; position 0 is the cover.
CREATE TABLE listing_photos (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    position   INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (listing_id, position)
) STRICT;

-- Full-text search over normalised text (see normalize.rs); kept in step by
-- the store in the same transaction as each listing write.
CREATE VIRTUAL TABLE listings_fts USING fts5 (
    listing_id UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
