DROP TABLE roster_groups;
