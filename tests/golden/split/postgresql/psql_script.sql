\set ON_ERROR_STOP on
-- Schema for the ISP customer database.
-- Run with psql -f.

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TYPE plan_kind AS ENUM ('home', 'business');

/* Customers: one row per contract holder.
   Don't /* nest */ confuse me; */
CREATE TABLE customers (
    id          bigserial PRIMARY KEY,
    email       text NOT NULL CHECK (email LIKE '%@%'),   -- 100% needs an @
    name        text NOT NULL DEFAULT E'n/a\'s',
    tags        text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION touch() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.created_at := now();  -- keep ; inside
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER customers_touch BEFORE INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION touch();

COMMENT ON TABLE customers IS 'Contract holders; see :plan and %s';

COMMIT;

CREATE INDEX CONCURRENTLY customers_email ON customers (lower(email));
DO $$ BEGIN RAISE NOTICE 'done; really'; END $$;  -- trailing note
