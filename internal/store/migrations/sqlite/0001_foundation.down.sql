DROP TABLE roster_audit;
DROP TABLE roster_changes;
DROP TABLE roster_version;
DROP TABLE casbin_rule;
DROP TABLE roster_users;
DROP TABLE roster_workspaces;
