-- What the marketplace says about each listing, taken in by pulls.
-- Append-only: never edit this file once shipped.

-- The listing's server version (from push results and pulls): the base of
-- the device's next edit. NULL: the server has not acknowledged it yet.
ALTER TABLE listings ADD COLUMN server_version INTEGER;
-- Where the moderators stand; NULL until a pull says.
ALTER TABLE listings ADD COLUMN moderation TEXT CHECK (moderation IN ('pending', 'approved', 'rejected'));
ALTER TABLE listings ADD COLUMN rejection_reason TEXT;
