-- A listing goes live with its thumbnails while its display-size files are
-- still on their way (`listing_photos::set`, `displays_later`): `display`
-- may name a photo not yet in `photos`, so it no longer references it.
-- SQLite cannot drop a constraint: the table is made again.
CREATE TABLE listing_photos_new (
    listing_id  TEXT NOT NULL REFERENCES listings (id),
    position    INTEGER NOT NULL,
    display     TEXT NOT NULL,
    thumb       TEXT NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (listing_id, position)
) STRICT;
INSERT INTO listing_photos_new (listing_id, position, display, thumb)
    SELECT listing_id, position, display, thumb FROM listing_photos;
DROP TABLE listing_photos;
ALTER TABLE listing_photos_new RENAME TO listing_photos;
CREATE INDEX listing_photos_display ON listing_photos (display);
CREATE INDEX listing_photos_thumb ON listing_photos (thumb);
