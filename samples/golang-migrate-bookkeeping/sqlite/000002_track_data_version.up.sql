-- Our deploy tooling records which reference-data release is loaded next to
-- golang-migrate's own version row.
ALTER TABLE schema_migrations ADD COLUMN data_version INT;
