-- Append-only: never edit this file once shipped; add 0002_… instead.

CREATE TABLE listings (
    id             TEXT PRIMARY KEY NOT NULL,            -- UUIDv7, minted on this device
    title_ar       TEXT,
    title_fr       TEXT,
    title_en       TEXT,
    price_centimes INTEGER NOT NULL CHECK (price_centimes >= 0),
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    deleted_at_ms  INTEGER,                              -- tombstone; it syncs
    CHECK (title_ar IS NOT NULL OR title_fr IS NOT NULL OR title_en IS NOT NULL)
) STRICT;

-- One row per local change, written in the same transaction as the change.
-- The sync engine sends the listing's *current* state with the newest pending
-- change id, then marks every older pending row of that listing as sent.
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id     TEXT NOT NULL UNIQUE,                   -- UUIDv7, the server's idempotency key
    listing_id    TEXT NOT NULL REFERENCES listings (id),
    op            TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    created_at_ms INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
    reason        TEXT,                                   -- why the server rejected it
    done_at_ms    INTEGER
) STRICT;

CREATE INDEX outbox_by_listing ON outbox (listing_id, seq);
CREATE INDEX outbox_pending ON outbox (state, seq);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
