-- finishing_at: when a request began moving a complete upload into the
-- blob store; another request (a client's HEAD while the last PATCH is
-- still at it) leaves it alone until `tus::FINISH_LEASE_MS` has passed.
ALTER TABLE uploads ADD COLUMN finishing_at INTEGER;
