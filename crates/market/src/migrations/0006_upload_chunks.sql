-- tus uploads when the photos go to a bucket: each accepted chunk is an
-- object of its own (`uploads/<upload id>/<offset>-<uuid>`), so any server
-- process on any machine can take the next chunk. Only chunks listed here
-- were counted in the upload's offset; other objects under the prefix are
-- leftovers of chunks that lost a race, deleted with the upload.
CREATE TABLE upload_chunks (
    upload_id      TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    upload_offset  INTEGER NOT NULL,
    length         INTEGER NOT NULL,
    object_key     TEXT NOT NULL,
    PRIMARY KEY (upload_id, upload_offset)
) STRICT;
