-- See ../0011_upload_finishing.sql.
ALTER TABLE uploads ADD COLUMN finishing_at BIGINT;
