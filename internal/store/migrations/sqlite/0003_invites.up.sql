CREATE TABLE roster_invite_settings (
    workspace_id          TEXT PRIMARY KEY REFERENCES roster_workspaces(id),
    invite_mode           TEXT NOT NULL DEFAULT 'auto',
    allowed_domains       TEXT NOT NULL DEFAULT '[]',
    sso_bypasses_invites  BOOLEAN NOT NULL DEFAULT FALSE,
    scim_bypasses_invites BOOLEAN NOT NULL DEFAULT TRUE,
    invites_started       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE roster_invites (
    workspace_id     TEXT NOT NULL REFERENCES roster_workspaces(id),
    email            TEXT NOT NULL,
    invited_by       TEXT NOT NULL,
    invited_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP,
    token_hash       TEXT,
    token_expires_at TIMESTAMP,
    email_status     TEXT NOT NULL,
    PRIMARY KEY (workspace_id, email)
);
CREATE UNIQUE INDEX idx_roster_invites_token ON roster_invites (token_hash);
