-- Token buckets shared by every instance (roster.LimitsConfig.Shared): one row
-- per (limit, key), spent and refilled by single statements on the database
-- clock. A missing row is a full bucket.
CREATE TABLE roster_shared_buckets (
    limit_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    tokens   DOUBLE PRECISION NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (limit_id, key)
);
