-- A listing goes live with its thumbnails while its display-size files are
-- still on their way (`listing_photos::set`, `displays_later`): `display`
-- may name a photo not yet in `photos`, so it no longer references it.
ALTER TABLE listing_photos DROP CONSTRAINT IF EXISTS listing_photos_display_fkey;
