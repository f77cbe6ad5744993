-- See ../0010_quotas_and_cleanup.sql.
ALTER TABLE photos ADD COLUMN cooperative_id TEXT;
ALTER TABLE photos ADD COLUMN unreferenced_at BIGINT;

CREATE INDEX photos_by_cooperative ON photos (cooperative_id);
CREATE INDEX uploads_by_cooperative ON uploads (cooperative_id) WHERE completed_at IS NULL;
