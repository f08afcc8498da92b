ALTER TABLE regions ADD COLUMN timezone VARCHAR(40);
UPDATE regions SET timezone = 'Europe/Oslo';
UPDATE schema_migrations SET data_version = 2;
