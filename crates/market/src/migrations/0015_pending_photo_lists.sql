-- A listing's next photo list, sent by a device before all its photos were
-- uploaded (`when_uploaded`): it is set the moment the last one arrives,
-- in the transaction that admits it (`listing_photos::apply_pending`), so
-- the listing shows its photos without waiting for the device to ask
-- again. One per listing: a newer one replaces it; any photo list set
-- for the listing drops it.
CREATE TABLE pending_photo_lists (
    listing_id      TEXT PRIMARY KEY REFERENCES listings (id),
    device_id       TEXT NOT NULL,
    cooperative_id  TEXT NOT NULL,
    -- JSON: [[display, thumb], …] and [display, …] (the list it replaces,
    -- checked again when it is set).
    photos          TEXT NOT NULL,
    expected        TEXT NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;
