-- See ../0014_search_index.sql: the same `LIKE '%word%'` search, answered
-- from a trigram index (pg_trgm, a trusted extension: the database's owner
-- may create it) instead of reading every listing.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX listings_search_trigrams ON listings USING gin (search_text gin_trgm_ops);
