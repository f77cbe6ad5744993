-- A change once sent is frozen: the exact body that went out, re-sent
-- unchanged under its change id until the server answers for it, so a
-- lost answer followed by a new edit never sends a stock delta twice nor
-- re-stamps older fields with a newer clock. Later edits wait in the outbox
-- and go in a new change. Append-only: never edit this file once shipped.
CREATE TABLE outbox_sends (
    listing_id TEXT PRIMARY KEY NOT NULL,
    change_id TEXT NOT NULL,
    -- The listing's outbox rows up to this seq are what the body carries.
    up_to_seq INTEGER NOT NULL,
    -- The change as sent (JSON of the wire `Change`).
    body TEXT NOT NULL
);
