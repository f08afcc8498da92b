UPDATE schema_migrations SET data_version = 1;
ALTER TABLE regions DROP COLUMN timezone;
