-- Rate-limit buckets (enrollment attempts per client IP), in the database
-- so that several server processes share one limit.
CREATE TABLE rate_buckets (
    key          TEXT PRIMARY KEY NOT NULL,
    tokens       INTEGER NOT NULL,
    refilled_at  INTEGER NOT NULL
) STRICT;
