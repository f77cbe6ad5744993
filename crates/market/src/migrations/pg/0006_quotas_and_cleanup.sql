-- See ../0010_quotas_and_cleanup.sql.
ALTER TABLE photos ADD COLUMN cooperative_id TEXT;
ALTER TABLE photos ADD COLUMN unreferenced_at BIGINT;

CREATE INDEX photos_by_cooperative ON photos (cooperative_id);
CREATE INDEX uploads_by_cooperative ON uploads (cooperative_id) WHERE completed_at IS NULL;

-- finishing_at: when a request began moving a complete upload into the
-- blob store; another request (a client's HEAD while the last PATCH is
-- still at it) leaves it alone until `tus::FINISH_LEASE_MS` has passed.
ALTER TABLE uploads ADD COLUMN finishing_at BIGINT;
