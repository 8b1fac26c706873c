-- One SCIM record per user and group an identity provider provisioned
-- through package scim: what the provider sent that roster's own tables do
-- not hold, so a SCIM GET returns it. roster_id is the roster user's or
-- group's id (UUIDs, unique across workspaces); the record ends when SCIM
-- deletes the resource. attributes is a JSON object of the attributes roster
-- does not map, as sent.
CREATE TABLE roster_scim_records (
    workspace_id TEXT NOT NULL REFERENCES roster_workspaces(id),
    kind         TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    roster_id    TEXT NOT NULL,
    external_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    user_name    TEXT COLLATE "C" NOT NULL DEFAULT '',
    display_name TEXT COLLATE "C" NOT NULL DEFAULT '',
    given_name   TEXT NOT NULL DEFAULT '',
    family_name  TEXT NOT NULL DEFAULT '',
    formatted    TEXT NOT NULL DEFAULT '',
    attributes   TEXT NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, roster_id)
);

CREATE INDEX roster_scim_records_external ON roster_scim_records (workspace_id, kind, external_id);
