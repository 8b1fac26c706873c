DROP TABLE roster_scim_records;
