CREATE TABLE roster_workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE roster_users (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES roster_workspaces(id),
    email        TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL,
    source       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, email)
);

CREATE TABLE casbin_rule (
    id    BIGSERIAL PRIMARY KEY,
    ptype VARCHAR(100) NOT NULL DEFAULT '',
    v0    VARCHAR(100) NOT NULL DEFAULT '',
    v1    VARCHAR(100) NOT NULL DEFAULT '',
    v2    VARCHAR(100) NOT NULL DEFAULT '',
    v3    VARCHAR(100) NOT NULL DEFAULT '',
    v4    VARCHAR(100) NOT NULL DEFAULT '',
    v5    VARCHAR(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);
CREATE INDEX idx_casbin_rule_v1 ON casbin_rule (ptype, v1);
CREATE INDEX idx_casbin_rule_v2 ON casbin_rule (ptype, v2);

CREATE TABLE roster_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO roster_version (id, version) VALUES (1, 0);

CREATE TABLE roster_changes (
    version      BIGINT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    added        TEXT NOT NULL,
    removed      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE roster_audit (
    id           BIGSERIAL PRIMARY KEY,
    version      BIGINT NOT NULL,
    workspace_id TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    details      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_roster_audit_ws ON roster_audit (workspace_id, id);
