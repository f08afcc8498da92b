-- Revert isp:create_plans from pg

BEGIN;

DROP TABLE plans;

COMMIT;
