-- Moderation and the change feed behind `GET /v1/pull`.
--
-- moderation: pending | approved | rejected. Listings that existed before
-- moderation were all public, so they start approved.
ALTER TABLE listings ADD COLUMN moderation TEXT NOT NULL DEFAULT 'approved'
    CHECK (moderation IN ('pending', 'approved', 'rejected'));
ALTER TABLE listings ADD COLUMN rejection_reason TEXT;
-- Bumped from `change_sequence` by every write to the row (push, delete,
-- moderation); a pull cursor is the highest value a device has seen.
ALTER TABLE listings ADD COLUMN changes_seq INTEGER NOT NULL DEFAULT 0;

CREATE INDEX listings_changes ON listings (cooperative_id, changes_seq);

-- One row: the last sequence number handed out.
CREATE TABLE change_sequence (
    only_row  INTEGER PRIMARY KEY NOT NULL CHECK (only_row = 1),
    value     INTEGER NOT NULL
) STRICT;

INSERT INTO change_sequence (only_row, value) VALUES (1, 0);

-- Existing rows get distinct numbers so a first pull sees them all.
UPDATE listings SET changes_seq = rowid;
UPDATE change_sequence SET value = (SELECT COALESCE(MAX(changes_seq), 0) FROM listings);
