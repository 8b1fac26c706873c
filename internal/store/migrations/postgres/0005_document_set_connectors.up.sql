CREATE TABLE roster_document_set_connectors (
    workspace_id    TEXT NOT NULL REFERENCES roster_workspaces(id),
    document_set_id TEXT NOT NULL,
    connector_id    TEXT NOT NULL,
    PRIMARY KEY (workspace_id, document_set_id, connector_id)
);
CREATE INDEX idx_roster_document_set_connectors_connector ON roster_document_set_connectors (workspace_id, connector_id);
