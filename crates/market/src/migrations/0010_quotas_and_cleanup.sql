-- Per-cooperative storage and the clean-up of photos no listing shows.
--
-- cooperative_id: the cooperative whose upload first stored the photo; its
-- storage quota counts it (NULL for photos from before this migration,
-- which count for no one).
-- unreferenced_at: when the clean-up first saw no listing showing the
-- photo (NULL while one does); the photo goes once that is older than
-- the grace period.
ALTER TABLE photos ADD COLUMN cooperative_id TEXT;
ALTER TABLE photos ADD COLUMN unreferenced_at INTEGER;

CREATE INDEX photos_by_cooperative ON photos (cooperative_id);
CREATE INDEX uploads_by_cooperative ON uploads (cooperative_id) WHERE completed_at IS NULL;
