-- A listing's details (what the public pages show besides title and price)
-- and the clocks that merge concurrent edits field by field.
--
-- clocks: JSON object, field name → [ms, counter, device id] of the write
-- that set it (a hybrid logical clock reading plus its device, compared in
-- that order); "deleted" holds the clock of the last delete or revival.
-- Rows from before this migration have none: any clocked write wins.
-- tags: JSON array of strings.
ALTER TABLE listings ADD COLUMN description_ar TEXT;
ALTER TABLE listings ADD COLUMN description_fr TEXT;
ALTER TABLE listings ADD COLUMN description_en TEXT;
ALTER TABLE listings ADD COLUMN category TEXT;
ALTER TABLE listings ADD COLUMN stock INTEGER;
ALTER TABLE listings ADD COLUMN unit TEXT;
ALTER TABLE listings ADD COLUMN dimensions TEXT;
ALTER TABLE listings ADD COLUMN weight_grams INTEGER;
ALTER TABLE listings ADD COLUMN materials TEXT;
ALTER TABLE listings ADD COLUMN origin TEXT;
ALTER TABLE listings ADD COLUMN region TEXT;
ALTER TABLE listings ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE listings ADD COLUMN artisan TEXT;
ALTER TABLE listings ADD COLUMN clocks TEXT NOT NULL DEFAULT '{}';
