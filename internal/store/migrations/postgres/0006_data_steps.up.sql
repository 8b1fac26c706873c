-- Data steps are migrations written in Go (store.Step): each runs once per
-- database, after the SQL migrations, and is recorded here in the same
-- transaction as its changes. The first is the email identity step, which
-- re-normalizes the emails of stored users and invites.
CREATE TABLE roster_data_steps (
    name       TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL
);
