-- Shared buckets need PostgreSQL (roster.Open refuses LimitsConfig.Shared on
-- SQLite); the table exists here too so that both dialects have one schema and
-- deletes of limits and users clear it alike. It stays empty.
CREATE TABLE roster_shared_buckets (
    limit_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    tokens   DOUBLE PRECISION NOT NULL,
    at       TIMESTAMP NOT NULL,
    PRIMARY KEY (limit_id, key)
);
