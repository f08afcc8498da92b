INSERT INTO migration_log (note) VALUES ('migrate applied something');
