-- This project ran Alembic before Flyway. Flyway's baseline keeps the old
-- Alembic bookkeeping so that the old tooling sees the last release it shipped.
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
insert into alembic_version values ('1.6.0');
CREATE TABLE plans (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(40) NOT NULL,
    monthly_price NUMERIC(10, 2) NOT NULL
);
