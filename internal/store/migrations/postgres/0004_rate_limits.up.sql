CREATE TABLE roster_rate_limits (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES roster_workspaces(id),
    scope          TEXT NOT NULL,
    group_id       TEXT NOT NULL DEFAULT '',
    budget         BIGINT NOT NULL,
    period_seconds BIGINT NOT NULL,
    enabled        BOOLEAN NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_roster_rate_limits_ws ON roster_rate_limits (workspace_id);

CREATE TABLE roster_rate_buckets (
    limit_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    tokens   DOUBLE PRECISION NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (limit_id, key)
);

CREATE TABLE roster_token_usage (
    workspace_id TEXT NOT NULL,
    hour         TIMESTAMPTZ NOT NULL,
    user_id      TEXT NOT NULL,
    tokens       BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, hour, user_id)
);
