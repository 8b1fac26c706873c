CREATE TABLE roster_groups (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES roster_workspaces(id),
    name         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, name)
);
