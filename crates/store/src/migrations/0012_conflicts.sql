-- Edits of this laptop that lost to another laptop's later edit of the same
-- field (the marketplace's merge keeps the last writer by clock), kept so the
-- manager sees both values and can take theirs back. A row goes when the
-- field is edited here again (taking it back is such an edit) or the manager
-- keeps the other value. Append-only: never edit this file once shipped.
CREATE TABLE conflicts (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    field      TEXT NOT NULL,   -- wire name: title, price, status…
    mine       TEXT NOT NULL,   -- JSON of this laptop's value
    theirs     TEXT NOT NULL,   -- JSON of the value that won
    at_ms      INTEGER NOT NULL,
    PRIMARY KEY (listing_id, field)
) STRICT;
