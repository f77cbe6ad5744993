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
