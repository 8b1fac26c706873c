DROP TABLE roster_invites;
DROP TABLE roster_invite_settings;
