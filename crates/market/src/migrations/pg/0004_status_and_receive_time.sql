-- See ../0008_status_and_receive_time.sql.
ALTER TABLE listings ADD COLUMN status TEXT;
ALTER TABLE listings ADD COLUMN received_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE listings SET received_at_ms =
    LEAST(updated_at_ms, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT);

DROP INDEX listings_public;
DROP INDEX listings_by_cooperative;
CREATE INDEX listings_public ON listings (received_at_ms DESC, id DESC)
    WHERE deleted = 0 AND published = 1 AND moderation = 'approved';
CREATE INDEX listings_by_cooperative ON listings (cooperative_id, received_at_ms DESC, id DESC)
    WHERE deleted = 0 AND published = 1 AND moderation = 'approved';

ALTER TABLE enrollment_codes ADD COLUMN device_id TEXT;
ALTER TABLE enrollment_codes ADD COLUMN device_key_hash TEXT;
ALTER TABLE enrollment_codes ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN device_key_hash TEXT;
CREATE INDEX devices_by_key ON devices (device_key_hash) WHERE device_key_hash IS NOT NULL;
