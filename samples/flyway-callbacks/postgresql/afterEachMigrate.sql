INSERT INTO migration_log (note) VALUES ('after each migration');
