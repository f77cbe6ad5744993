-- Per-listing outbox lookups (sync state of each listing shown) must never
-- pick the pending-rows index and scan every waiting change: give them an
-- index that starts with the listing, and the pending scan one that groups
-- by listing.
DROP INDEX outbox_by_listing;
DROP INDEX outbox_pending;
CREATE INDEX outbox_by_listing ON outbox (listing_id, state, seq);
CREATE INDEX outbox_pending ON outbox (state, listing_id, seq);
