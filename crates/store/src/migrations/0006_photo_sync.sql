-- Photos on their way to the marketplace.
-- Append-only: never edit this file once shipped.

-- The tus upload of each photo being sent: the URL the server gave at
-- creation, kept so that a restart resumes the same upload instead of
-- starting over. Forgotten when the upload is done or has expired.
CREATE TABLE photo_uploads (
    sha256        TEXT PRIMARY KEY NOT NULL,
    url           TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;

-- The photo set (display hashes in order, comma-separated) the marketplace
-- last accepted for the listing. When it differs from `listing_photos`, the
-- listing's photos are still to be sent.
ALTER TABLE listings ADD COLUMN photos_synced TEXT NOT NULL DEFAULT '';
