DROP TABLE roster_tokens;
