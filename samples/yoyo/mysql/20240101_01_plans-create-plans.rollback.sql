-- create plans

DROP TABLE plans;
