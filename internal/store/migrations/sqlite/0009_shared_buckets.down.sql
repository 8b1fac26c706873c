DROP TABLE roster_shared_buckets;
