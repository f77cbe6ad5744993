-- What moderators decided, appended and never overwritten (the triggers
-- refuse UPDATE and DELETE), and photos taken down.
--
-- actor: `device <uuid>` (its push or photo list moved the listing),
-- `auto` (the policy approved a new listing) or the operator's name.
-- action: submitted | edited | photos_changed | approved | rejected |
-- photo_purged. state: the listing's moderation state after the event.
CREATE TABLE moderation_events (
    id          TEXT PRIMARY KEY NOT NULL,  -- UUIDv7: in time order
    listing_id  TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT
) STRICT;

CREATE INDEX moderation_events_by_listing ON moderation_events (listing_id, id);

CREATE TRIGGER moderation_events_no_update BEFORE UPDATE ON moderation_events
BEGIN
    SELECT RAISE(ABORT, 'the moderation history is append-only');
END;

CREATE TRIGGER moderation_events_no_delete BEFORE DELETE ON moderation_events
BEGIN
    SELECT RAISE(ABORT, 'the moderation history is append-only');
END;

-- Photos an operator purged (`hanout-market photo purge`): gone from the
-- blob store and every listing, and refused if uploaded again.
CREATE TABLE purged_photos (
    sha256  TEXT PRIMARY KEY NOT NULL,
    at_ms   INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    reason  TEXT
) STRICT;

-- Serving a photo asks which listings show it.
CREATE INDEX listing_photos_display ON listing_photos (display);
CREATE INDEX listing_photos_thumb ON listing_photos (thumb);
