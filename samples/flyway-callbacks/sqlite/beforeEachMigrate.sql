INSERT INTO migration_log (note) VALUES ('before each migration');
