DROP TABLE roster_token_usage;
DROP TABLE roster_rate_buckets;
DROP TABLE roster_rate_limits;
