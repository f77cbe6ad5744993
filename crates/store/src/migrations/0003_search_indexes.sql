-- Sorting by title and filtering by status without scanning the catalog.
CREATE INDEX listings_by_title ON listings (coalesce(title_fr, title_en, title_ar) COLLATE NOCASE);
CREATE INDEX listings_by_status ON listings (status, updated_at_ms DESC);
