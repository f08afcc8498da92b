-- Runs before every migrate: the log the per-migration callbacks write to.
CREATE TABLE IF NOT EXISTS migration_log (
    id SERIAL PRIMARY KEY,
    note VARCHAR(100) NOT NULL
);
