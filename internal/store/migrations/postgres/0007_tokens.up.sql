-- Bearer tokens of a workspace (package tokens): SCIM tokens and API keys.
-- Only the SHA-256 of a raw token is stored (hex, unique, looked up by
-- Directory.Authenticate); prefix is its display form, never enough to
-- authenticate. An API key's user_id is its service user; a SCIM token has
-- none (''). Revoking deletes the row. last_used_at is bookkeeping, written
-- at most once a minute per token and not audited.
CREATE TABLE roster_tokens (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES roster_workspaces(id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX idx_roster_tokens_hash ON roster_tokens (hash);
CREATE UNIQUE INDEX idx_roster_tokens_name ON roster_tokens (workspace_id, kind, name);
