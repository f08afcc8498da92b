INSERT INTO regions (code, name) VALUES ('north', 'Northern valleys');
INSERT INTO regions (code, name) VALUES ('coast', 'Coastal towns');
UPDATE schema_migrations SET data_version = 1;
