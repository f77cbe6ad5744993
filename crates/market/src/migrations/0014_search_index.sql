-- Search without reading every listing: a trigram index of `search_text`
-- (FTS5's `trigram` tokenizer), so a word of three letters or more is found
-- anywhere inside a title — the `LIKE '%word%'` search matched the same,
-- but by reading all rows. External content: the text lives in `listings`
-- only; the triggers keep the index in step with every write.
CREATE VIRTUAL TABLE listings_search USING fts5(
    search_text,
    content = 'listings',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);

INSERT INTO listings_search (listings_search) VALUES ('rebuild');

CREATE TRIGGER listings_search_insert AFTER INSERT ON listings
BEGIN
    INSERT INTO listings_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER listings_search_delete AFTER DELETE ON listings
BEGIN
    INSERT INTO listings_search (listings_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER listings_search_update AFTER UPDATE OF search_text ON listings
BEGIN
    INSERT INTO listings_search (listings_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO listings_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

-- The public listings newest first, with their search text: a search
-- reads the newest few thousand in order from this index alone, without
-- the rows (`catalog::search`), and the catalog's newest-first lists use
-- it as they used the index it replaces.
DROP INDEX listings_public;
CREATE INDEX listings_public ON listings (received_at_ms DESC, id DESC, search_text)
    WHERE deleted = 0 AND published = 1 AND moderation = 'approved';
