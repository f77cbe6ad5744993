-- Laptops of the same cooperative that exchange changes directly (over the
-- stand's network or a bundle file on a USB stick). Append-only: never edit
-- this file once shipped.

-- Per other laptop (by its installation key): how far this laptop has
-- taken its changes (`their_seq`: the other's outbox seq), and how far the
-- other said it has taken ours (`our_seq`), so the next bundle for it
-- carries only what came since.
CREATE TABLE peers (
    key         TEXT PRIMARY KEY NOT NULL,
    name        TEXT,
    their_seq   INTEGER NOT NULL DEFAULT 0,
    our_seq     INTEGER NOT NULL DEFAULT 0,
    last_at_ms  INTEGER NOT NULL
) STRICT;

-- Listings that went to or came from another laptop: removing one archives
-- it (the tombstone syncs) instead of deleting it for good, as for a
-- listing that went to the marketplace.
CREATE TABLE shared_listings (
    listing_id TEXT PRIMARY KEY NOT NULL
) STRICT;

-- The laptop an outbox row was taken from (NULL: made here), so a bundle
-- for that laptop does not carry its own rows back.
ALTER TABLE outbox ADD COLUMN came_from TEXT;
