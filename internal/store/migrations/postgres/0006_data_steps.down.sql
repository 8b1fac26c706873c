DROP TABLE roster_data_steps;
