-- What the photo pipeline made of each imported photo; listings reference
-- the `display` derivative by hash, the thumbnail is found here.
CREATE TABLE photo_derivatives (
    display_sha256 TEXT PRIMARY KEY NOT NULL,
    thumb_sha256   TEXT NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    source_name    TEXT,
    imported_at_ms INTEGER NOT NULL
) STRICT;
