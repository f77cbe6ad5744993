-- The sales journal: each sale recorded at the stand, with what was paid.
-- Its stock change goes through the outbox like any edit (a stock delta,
-- summed by the marketplace's merge). Append-only: never edit this file
-- once shipped.
CREATE TABLE sales (
    id                  TEXT PRIMARY KEY NOT NULL,   -- UUIDv7
    listing_id          TEXT NOT NULL REFERENCES listings (id),
    quantity            INTEGER NOT NULL CHECK (quantity > 0),
    -- What the buyer paid per unit (the listing's price unless haggled).
    unit_price_centimes INTEGER NOT NULL CHECK (unit_price_centimes >= 0),
    note                TEXT,
    sold_at_ms          INTEGER NOT NULL,
    -- Set when the sale was undone (its stock given back); the row stays.
    undone_at_ms        INTEGER
) STRICT;

CREATE INDEX sales_by_time ON sales (sold_at_ms);
