-- Revert isp:create_plans from sqlite

BEGIN;

DROP TABLE plans;

COMMIT;
