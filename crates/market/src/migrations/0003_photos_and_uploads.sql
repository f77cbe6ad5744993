-- Photos, content-addressed: the bytes live in the blob store under their
-- SHA-256 (lowercase hex); this table says which ones the store holds.
CREATE TABLE photos (
    sha256      TEXT PRIMARY KEY NOT NULL,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- tus 1.0 uploads in progress. The offset lives here, not in a server's
-- memory, so any server process can take the next PATCH; the bytes received
-- so far are in `<data>/uploads/<id>.part`.
CREATE TABLE uploads (
    id              TEXT PRIMARY KEY NOT NULL,
    cooperative_id  TEXT NOT NULL REFERENCES cooperatives (id),
    device_id       TEXT NOT NULL REFERENCES devices (id),
    length          INTEGER NOT NULL,
    upload_offset   INTEGER NOT NULL DEFAULT 0,
    -- The SHA-256 the device declared; checked when the last byte arrives.
    sha256          TEXT NOT NULL,
    filename        TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    completed_at    INTEGER
) STRICT;

CREATE INDEX uploads_expiry ON uploads (expires_at);
