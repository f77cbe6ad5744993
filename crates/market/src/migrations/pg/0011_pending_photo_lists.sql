-- See ../0015_pending_photo_lists.sql.
CREATE TABLE pending_photo_lists (
    listing_id      TEXT PRIMARY KEY REFERENCES listings (id),
    device_id       TEXT NOT NULL,
    cooperative_id  TEXT NOT NULL,
    photos          TEXT NOT NULL,
    expected        TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
