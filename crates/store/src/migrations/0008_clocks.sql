-- What each local edit did, so the server can merge field by field.
-- Append-only: never edit this file once shipped.

-- The device's hybrid logical clock reading when the edit was made.
ALTER TABLE outbox ADD COLUMN hlc_ms INTEGER;
ALTER TABLE outbox ADD COLUMN hlc_counter INTEGER;
-- The wire fields the edit set, comma-separated (`price,stock`); NULL: all
-- of them (a new listing, a delete, or a row from before clocks).
ALTER TABLE outbox ADD COLUMN fields TEXT;
-- Units added (positive) or sold (negative) by the edit.
ALTER TABLE outbox ADD COLUMN stock_delta INTEGER;
