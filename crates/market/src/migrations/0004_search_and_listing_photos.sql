-- Public catalog search and listing photos.
--
-- search_text: the listing's titles in all three languages, normalised by
-- `search::normalise` (no harakat or tatweel, one alef, ي for ى, ه for ة,
-- Latin accents folded, lowercase), written with every push. Rows from
-- before this migration get it when the database is next opened.
ALTER TABLE listings ADD COLUMN search_text TEXT;

CREATE INDEX listings_by_cooperative ON listings (cooperative_id, updated_at_ms DESC)
    WHERE deleted = 0 AND published = 1;

-- A listing's photos, in display order; both hashes name blobs in `photos`.
CREATE TABLE listing_photos (
    listing_id  TEXT NOT NULL REFERENCES listings (id),
    position    INTEGER NOT NULL,
    display     TEXT NOT NULL REFERENCES photos (sha256),
    thumb       TEXT NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (listing_id, position)
) STRICT;
