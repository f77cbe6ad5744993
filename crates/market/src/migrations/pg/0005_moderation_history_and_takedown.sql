-- See ../0009_moderation_history_and_takedown.sql.
CREATE TABLE moderation_events (
    id          TEXT PRIMARY KEY,
    listing_id  TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT
);

CREATE INDEX moderation_events_by_listing ON moderation_events (listing_id, id);

CREATE FUNCTION moderation_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the moderation history is append-only';
END
$$;

CREATE TRIGGER moderation_events_append_only BEFORE UPDATE OR DELETE ON moderation_events
    FOR EACH ROW EXECUTE FUNCTION moderation_events_append_only();

CREATE TABLE purged_photos (
    sha256  TEXT PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    reason  TEXT
);

CREATE INDEX listing_photos_display ON listing_photos (display);
CREATE INDEX listing_photos_thumb ON listing_photos (thumb);
