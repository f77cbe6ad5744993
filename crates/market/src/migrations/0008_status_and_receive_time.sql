-- What the cooperative says of a listing, when the server took it in, and
-- retry-safe enrollment.
--
-- status: draft | ready | published | archived as the device last merged it
-- (NULL: a device from before statuses, which counts as published).
-- published: 1 unless status is draft or archived (`protocol::status_is_public`),
-- written with every save so the public queries filter on a plain column.
ALTER TABLE listings ADD COLUMN status TEXT;
-- received_at_ms: the server's clock when what the public sees of the listing
-- last changed (created, content edited, republished); the public catalog is
-- ordered by it, never by a device's clock. Rows from before this migration
-- start from their device time, capped at the migration's own time.
ALTER TABLE listings ADD COLUMN received_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE listings SET received_at_ms =
    MIN(updated_at_ms, CAST(strftime('%s', 'now') AS INTEGER) * 1000);

DROP INDEX listings_public;
DROP INDEX listings_by_cooperative;
CREATE INDEX listings_public ON listings (received_at_ms DESC, id DESC)
    WHERE deleted = 0 AND published = 1 AND moderation = 'approved';
CREATE INDEX listings_by_cooperative ON listings (cooperative_id, received_at_ms DESC, id DESC)
    WHERE deleted = 0 AND published = 1 AND moderation = 'approved';

-- A code answered again: the device it made and the SHA-256 of the key the
-- device sent, so the same device retrying after a lost answer within a few
-- minutes gets a fresh token instead of "code used".
ALTER TABLE enrollment_codes ADD COLUMN device_id TEXT;
ALTER TABLE enrollment_codes ADD COLUMN device_key_hash TEXT;
-- Refused attempts with this code (used by another device, expired); at
-- `enroll::MAX_CODE_FAILURES` the code is dead, even for its first use.
ALTER TABLE enrollment_codes ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
-- SHA-256 of the key the device sent when enrolling (NULL: it sent none).
-- Enrolling again with the same key revokes the earlier devices' tokens.
ALTER TABLE devices ADD COLUMN device_key_hash TEXT;
CREATE INDEX devices_by_key ON devices (device_key_hash) WHERE device_key_hash IS NOT NULL;
