-- Photos pulled from the marketplace whose files this laptop lacks.
-- Append-only: never edit this file once shipped.

-- One row per blob (display or thumbnail) to fetch from
-- `/photos/{sha256}.jpg`; deleted once the file is on disk and verified.
CREATE TABLE photo_downloads (
    sha256        TEXT PRIMARY KEY NOT NULL,
    wanted_at_ms  INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
) STRICT;

-- Pulls before this version did not take photos: pull everything once
-- more so listings already pulled get theirs (applying a pull is idempotent).
DELETE FROM settings WHERE key = 'pull_cursor';
