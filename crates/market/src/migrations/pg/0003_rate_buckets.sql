-- See ../0007_rate_buckets.sql.
CREATE TABLE rate_buckets (
    key          TEXT PRIMARY KEY,
    tokens       BIGINT NOT NULL,
    refilled_at  BIGINT NOT NULL
);
