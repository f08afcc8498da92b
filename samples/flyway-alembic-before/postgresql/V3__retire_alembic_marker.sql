-- The old tooling is gone: record it in its table one last time.
UPDATE alembic_version SET version_num = '1.6.0-retired';
ALTER TABLE plans ADD COLUMN retired BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE plans SET retired = TRUE WHERE name = 'basic';
