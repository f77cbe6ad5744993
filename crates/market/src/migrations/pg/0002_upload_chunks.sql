-- See ../0006_upload_chunks.sql.
CREATE TABLE upload_chunks (
    upload_id      TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    upload_offset  BIGINT NOT NULL,
    length         BIGINT NOT NULL,
    object_key     TEXT NOT NULL,
    PRIMARY KEY (upload_id, upload_offset)
);
